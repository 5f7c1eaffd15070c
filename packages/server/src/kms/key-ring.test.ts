import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { KeyRing, KeyRingError, kinesisManagedAlias } from './key-ring.js';

const where = { region: 'us-east-1', accountId: '123456789012' };
const keyId = '0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f';

function temporaryDirectory(t: TestContext): string {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-ring-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

function keysFile(directory: string, keys: unknown[]): string {
  const file = path.join(directory, 'keys.json');
  writeFileSync(file, JSON.stringify({ keys }));
  return file;
}

const material = (): string => randomBytes(32).toString('base64');

describe('key ring', () => {
  test('alias/aws/kinesis is created on first use, written to the data directory and the same after reopening', async (t) => {
    const directory = temporaryDirectory(t);
    const file = path.join(directory, 'keyring.json');
    const first = KeyRing.open({ ...where, file });
    const created = await first.resolve(kinesisManagedAlias);
    assert.equal(created.kind, 'found');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'only the owner reads key material');
    const reopened = await KeyRing.open({ ...where, file }).resolve(kinesisManagedAlias);
    assert.ok(created.kind === 'found' && reopened.kind === 'found');
    assert.equal(reopened.key.keyId, created.key.keyId);
    assert.ok(reopened.key.material.equals(created.key.material));
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { formatVersion: number; keys: unknown[] };
    assert.equal(stored.formatVersion, 1);
    assert.equal(stored.keys.length, 1);
  });

  test('resolves a configured key by id, key ARN, alias and alias ARN, and nothing of another account', async (t) => {
    const configuredFile = keysFile(temporaryDirectory(t), [
      { keyId, aliases: ['alias/orders'], material: material() },
    ]);
    const ring = KeyRing.open({ ...where, configuredFile });
    for (const form of [
      keyId,
      `arn:aws:kms:us-east-1:123456789012:key/${keyId}`,
      'alias/orders',
      'arn:aws:kms:us-east-1:123456789012:alias/orders',
    ]) {
      const found = await ring.resolve(form);
      assert.ok(found.kind === 'found' && found.key.keyId === keyId, form);
    }
    assert.deepEqual(await ring.resolve(`arn:aws:kms:us-east-1:999999999999:key/${keyId}`), {
      kind: 'not-found',
      message: `Key 'arn:aws:kms:us-east-1:999999999999:key/${keyId}' does not exist`,
    });
  });

  test('a disabled key resolves as disabled, with KMS wording', async (t) => {
    const configuredFile = keysFile(temporaryDirectory(t), [{ keyId, enabled: false, material: material() }]);
    const found = await KeyRing.open({ ...where, configuredFile }).resolve(keyId);
    assert.equal(found.kind, 'disabled');
    assert.equal(
      found.kind === 'disabled' && found.message,
      `arn:aws:kms:us-east-1:123456789012:key/${keyId} is disabled.`,
    );
  });

  test('refuses configurations it cannot use, naming the problem', (t) => {
    const directory = temporaryDirectory(t);
    const cases: Array<[unknown[], RegExp]> = [
      [[{ keyId: 'not-a-uuid', material: material() }], /keyId must be a lowercase UUID/],
      [[{ keyId, material: 'c2hvcnQ=' }], /material must be 32 bytes in base64/],
      [[{ keyId, aliases: ['alias/aws/kinesis'], material: material() }], /reserved for AWS-managed keys/],
      [[{ keyId, aliases: ['orders'], material: material() }], /aliases must be names like alias\/my-key/],
      [
        [
          { keyId, aliases: ['alias/a'], material: material() },
          { keyId: '1f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f', aliases: ['alias/a'], material: material() },
        ],
        /alias alias\/a names two keys/,
      ],
    ];
    for (const [keys, message] of cases) {
      assert.throws(
        () => KeyRing.open({ ...where, configuredFile: keysFile(directory, keys) }),
        (error: unknown) => {
          assert.ok(error instanceof KeyRingError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    assert.throws(() => KeyRing.open({ ...where, configuredFile: path.join(directory, 'missing.json') }), KeyRingError);
  });
});
