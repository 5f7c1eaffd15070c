/** The `tributary serve` contract: options from flags, environment and config file; health; TLS. */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DescribeStreamSummaryCommand, KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { kinesisClient, testCredentials } from '../testing/clients.js';
import { rawRequest } from '../testing/raw-request.js';
import { startServerProcess } from '../testing/server-process.js';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');

describe('tributary serve', () => {
  test('creates the streams named by --streams at start-up', async () => {
    const server = await startServerProcess({ args: ['--streams', 'alpha:3,beta:1'] });
    try {
      const client = kinesisClient(server.url);
      const listed = await client.send(new ListStreamsCommand({}));
      assert.deepEqual(listed.StreamNames, ['alpha', 'beta']);
      const alpha = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'alpha' }));
      assert.equal(alpha.StreamDescriptionSummary?.OpenShardCount, 3);
      client.destroy();
    } finally {
      await server.stop();
    }
  });

  test('reads options from a config file and the environment, flags winning', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-config-'));
    const configFile = path.join(directory, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        accountId: '111111111111',
        region: 'eu-west-1',
        streams: [{ name: 'from-file', shardCount: 2 }],
      }),
    );
    process.env.TRIBUTARY_CONFIG = configFile;
    process.env.TRIBUTARY_REGION = 'eu-central-1';
    try {
      const server = await startServerProcess({ args: ['--account-id', '222222222222'] });
      try {
        const client = new KinesisClient({
          endpoint: server.url,
          region: 'eu-central-1',
          credentials: testCredentials,
        });
        const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'from-file' }));
        assert.equal(
          summary.StreamDescriptionSummary?.StreamARN,
          'arn:aws:kinesis:eu-central-1:222222222222:stream/from-file',
        );
        assert.equal(summary.StreamDescriptionSummary?.OpenShardCount, 2);
        client.destroy();
      } finally {
        await server.stop();
      }
    } finally {
      delete process.env.TRIBUTARY_CONFIG;
      delete process.env.TRIBUTARY_REGION;
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('answers GET /health with 200 once it accepts requests', async () => {
    const server = await startServerProcess({ inMemory: true });
    try {
      const response = await rawRequest(server.url, { method: 'GET', path: '/health' });
      assert.equal(response.statusCode, 200);
      assert.deepEqual(JSON.parse(response.body.toString()), { status: 'ok' });
    } finally {
      await server.stop();
    }
  });

  test('refuses a bad option value with exit code 2 and a clear message', () => {
    const result = spawnSync(process.execPath, [cliPath, 'serve', '--durability', 'sometimes'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--durability must be fsync or os, got 'sometimes'/);
  });

  test('serves https with ALPN h2 and http/1.1 when given a certificate', async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-tls-'));
    const cert = path.join(directory, 'cert.pem');
    const key = path.join(directory, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = await startServerProcess({
      inMemory: true,
      args: ['--tls-cert', cert, '--tls-key', key, '--streams', 'secure:1'],
    });
    try {
      assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = [execFileSync('cat', [cert])];
      // HTTP/1.1 over TLS, through the SDK.
      const client = new KinesisClient({
        endpoint: server.url,
        region: 'us-east-1',
        credentials: testCredentials,
        requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }),
      });
      const listed = await client.send(new ListStreamsCommand({}));
      assert.deepEqual(listed.StreamNames, ['secure']);
      client.destroy();
      // HTTP/2 negotiated by ALPN.
      const session = http2.connect(server.url, { ca });
      const protocol = await new Promise<string | undefined>((resolve, reject) => {
        session.once('connect', () => resolve(session.alpnProtocol));
        session.once('error', reject);
      });
      assert.equal(protocol, 'h2');
      session.close();
    } finally {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
