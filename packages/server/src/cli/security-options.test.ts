/** The security options of `tributary serve`: safe defaults, --auth, --credentials, --tls self-signed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startServerProcess } from '../testing/server-process.js';
import { signRequest } from '../testing/sigv4-oracle.js';
import { signedClient, testUsers, writeCredentialsFile } from '../testing/test-users.js';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

function serve(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, 'serve', '--port', '0', '--in-memory', ...args], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('safe defaults', () => {
  test('refuses to listen on a non-loopback address without credentials (exit 2, never binds)', () => {
    const result = serve('--host', '0.0.0.0');
    assert.equal(result.status, 2);
    assert.match(
      result.stderr,
      /^tributary: refusing to listen on 0\.0\.0\.0 without authentication: anyone who can reach that address could read, write and delete every stream\. Give --credentials FILE/,
    );
    assert.doesNotMatch(result.stdout, /listening on/);
  });

  test('refuses --auth sigv4 without credentials', () => {
    const result = serve('--auth', 'sigv4');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--auth sigv4 needs --credentials FILE/);
  });

  test('refuses a credentials file with a mistake, naming it', () => {
    const credentials = writeCredentialsFile([
      { ...testUsers.admin, policy: { Statement: [{ Effect: 'Allow', Action: '*' }] } },
    ]);
    try {
      const result = serve('--credentials', credentials.path);
      assert.equal(result.status, 2);
      assert.match(
        result.stderr,
        /credentials file .*users\.json: user admin: policy: Statement 1: a statement needs Resource or NotResource/,
      );
    } finally {
      credentials.remove();
    }
  });

  test('--auth off on a non-loopback address starts, with a warning', async () => {
    const server = await startServerProcess({ inMemory: true, args: ['--host', '0.0.0.0', '--auth', 'off'] });
    try {
      assert.match(server.output(), /warning: authentication is off on 0\.0\.0\.0/);
      assert.match(server.output(), /listening on http:\/\/0\.0\.0\.0:\d+ \(in memory; auth off\)/);
    } finally {
      await server.stop();
    }
  });

  test('with credentials it listens anywhere, and says so', async () => {
    const credentials = writeCredentialsFile();
    const server = await startServerProcess({
      inMemory: true,
      args: ['--host', '0.0.0.0', '--credentials', credentials.path],
    });
    try {
      assert.match(server.output(), /\(in memory; auth sigv4, 4 users\)/);
      const port = new URL(server.url).port;
      const client = signedClient(`http://127.0.0.1:${port}`, testUsers.admin);
      assert.deepEqual((await client.send(new ListStreamsCommand({}))).StreamNames, []);
      client.destroy();
    } finally {
      await server.stop();
      credentials.remove();
    }
  });
});

describe('--tls self-signed', () => {
  test('makes a certificate on first start, keeps it, and serves https with ALPN h2 and http/1.1', async () => {
    const credentials = writeCredentialsFile();
    const server = await startServerProcess({
      args: ['--tls', 'self-signed', '--credentials', credentials.path, '--streams', 'secure:1'],
    });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const certificatePath = path.join(server.dataDir, 'tls', 'self-signed.crt');
      const ca = readFileSync(certificatePath);
      const fingerprint = new X509Certificate(ca).fingerprint256;
      assert.ok(server.output().includes(`tls self-signed ${certificatePath} (SHA-256 ${fingerprint})`));
      assert.equal(statSync(path.join(server.dataDir, 'tls', 'self-signed.key')).mode & 0o077, 0, 'the key is private');

      // The SDK over HTTP/1.1 with TLS, signing as a configured user.
      const client = signedClient(server.url, testUsers.admin, 'http1', {
        requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }),
      });
      assert.deepEqual((await client.send(new ListStreamsCommand({}))).StreamNames, ['secure']);
      client.destroy();

      // HTTP/2 chosen by ALPN, with a signed request on it.
      const session = http2.connect(server.url, { ca });
      try {
        assert.equal(
          await new Promise((resolve, reject) =>
            session.once('connect', () => resolve(session.alpnProtocol)).once('error', reject),
          ),
          'h2',
        );
        const body = Buffer.from('{}');
        const headers = {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'Kinesis_20131202.ListStreams',
        };
        const signed = await signRequest(
          { authority: new URL(server.url).host, protocol: 'http2', headers, body },
          testUsers.admin,
        );
        const answer = await new Promise<string>((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': '/', ...signed.headers });
          let text = '';
          stream.on('data', (chunk: Buffer) => {
            text += chunk.toString();
          });
          stream.on('end', () => resolve(text));
          stream.on('error', reject);
          stream.end(body);
        });
        assert.deepEqual(JSON.parse(answer).StreamNames, ['secure']);
      } finally {
        session.close();
      }

      // A restart on the same data directory serves the same certificate.
      await server.kill();
      const again = await server.restart();
      try {
        assert.ok(again.output().includes(`(SHA-256 ${fingerprint})`));
      } finally {
        await again.kill();
      }
    } finally {
      await server.stop();
      credentials.remove();
    }
  });

  test('in memory, a fresh certificate each start and nothing on disk', async () => {
    const server = await startServerProcess({ inMemory: true, args: ['--tls', 'self-signed'] });
    try {
      assert.match(server.url, /^https:/);
      assert.match(server.output(), /tls self-signed \(SHA-256 [0-9A-F:]{95}\)/);
      assert.ok(!existsSync(path.join(server.dataDir, 'tls')));
    } finally {
      await server.stop();
    }
  });

  test('refuses --tls self-signed together with --tls-cert', () => {
    const result = serve('--tls', 'self-signed', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--tls self-signed and --tls-cert\/--tls-key exclude each other/);
  });
});
