/** Safe defaults: authentication off only on loopback unless asked for, never silently on a public address. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../config.js';
import { isLoopbackHost, resolveAuth } from './auth-mode.js';

describe('choosing the authentication mode', () => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-auth-mode-'));
  const credentials = path.join(directory, 'users.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      users: [
        {
          name: 'u',
          accessKeyId: 'AKIAU',
          secretAccessKey: 's',
          policy: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
        },
      ],
    }),
    { mode: 0o600 },
  );
  after(() => rmSync(directory, { recursive: true, force: true }));
  const resolve = (host: string, auth: 'off' | 'sigv4' | undefined, file?: string) =>
    resolveAuth({ host, auth, credentials: file, accountId: '000000000000' });

  test('loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      assert.ok(isLoopbackHost(host), host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1'])
      assert.ok(!isLoopbackHost(host), host);
  });

  test('off by default on loopback without credentials', () => {
    assert.equal(resolve('127.0.0.1', undefined).mode, 'off');
  });

  test('sigv4 by default with credentials, wherever it listens', () => {
    for (const host of ['127.0.0.1', '0.0.0.0']) {
      const settings = resolve(host, undefined, credentials);
      assert.equal(settings.mode, 'sigv4');
      assert.equal(settings.credentials?.users.length, 1);
    }
  });

  test('refuses a public address without credentials', () => {
    assert.throws(
      () => resolve('0.0.0.0', undefined),
      (error: unknown) =>
        error instanceof ConfigError && /^refusing to listen on 0\.0\.0\.0 without authentication/.test(error.message),
    );
  });

  test('--auth off on a public address is allowed, with a warning', () => {
    const settings = resolve('0.0.0.0', 'off');
    assert.equal(settings.mode, 'off');
    assert.match(settings.warnings[0] ?? '', /authentication is off on 0\.0\.0\.0/);
  });

  test('--auth sigv4 without credentials is refused', () => {
    assert.throws(() => resolve('127.0.0.1', 'sigv4'), /--auth sigv4 needs --credentials FILE/);
  });
});
