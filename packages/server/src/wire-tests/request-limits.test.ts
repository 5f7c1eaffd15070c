/**
 * Hostile clients: oversized bodies and headers, slow headers and stalled bodies, too many
 * connections, and stream names that look like paths — none of them can pin or escape the server.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  controlRequestBodyBytesMax,
  dataRequestBodyBytesMax,
  http2StreamsPerConnectionMax,
} from '../http/request-limits.js';
import { createStreamJson, expectSuccess } from '../testing/kinesis-json.js';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

/** Short limits so the test sees them act in seconds. */
const limitArgs = [
  '--headers-timeout-ms',
  '500',
  '--request-timeout-ms',
  '1000',
  '--idle-timeout-ms',
  '2000',
  '--connections-max',
  '8',
];
/** Enough for node's once-a-second timeout check to act, with room for a loaded machine. */
const cutOffWithinMs = 5_000;

/** Connects, writes `first`, and resolves with what the server sent before it closed the socket. */
function stall(url: string, first: string): Promise<{ text: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname, () => socket.write(first));
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.on('error', () => {});
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a stalled connection open for ${cutOffWithinMs} ms`));
    }, cutOffWithinMs).unref();
  });
}

describe('request limits', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ args: limitArgs });
    await createStreamJson(server.url, 'limits', 1);
  });
  after(async () => {
    await server?.stop();
  });

  test('a control-plane body over 1 MiB is refused with 413, a data-plane one is read', async () => {
    const padding = 'x'.repeat(controlRequestBodyBytesMax);
    const tooBig = await rawRequest(server.url, {
      headers: kinesisHeaders('CreateStream', 'application/x-amz-json-1.1'),
      body: JSON.stringify({ StreamName: 'big', ShardCount: 1, Padding: padding }),
    });
    assert.equal(tooBig.statusCode, 413);
    // 1.5 MiB of record data reaches PutRecord, which judges it by the stream's record size.
    const data = Buffer.alloc(1.5 * 1024 * 1024).toString('base64');
    const record = await rawRequest(server.url, {
      headers: kinesisHeaders('PutRecord', 'application/x-amz-json-1.1'),
      body: JSON.stringify({ StreamName: 'limits', PartitionKey: 'k', Data: data }),
    });
    assert.equal(record.statusCode, 400);
    assert.equal(JSON.parse(record.body.toString()).__type, 'ValidationException');
    assert.ok(dataRequestBodyBytesMax > data.length);
  });

  test('headers over 16 KiB are refused with 431', async () => {
    const answer = await rawRequest(server.url, {
      headers: { ...kinesisHeaders('ListStreams', 'application/x-amz-json-1.1'), 'x-padding': 'p'.repeat(17 * 1024) },
      body: '{}',
    });
    assert.equal(answer.statusCode, 431);
  });

  test('headers sent too slowly (slowloris) are cut off', async () => {
    const { text, closedAfterMs } = await stall(server.url, 'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Kinesis');
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(closedAfterMs < cutOffWithinMs);
  });

  test('an HTTP/1.1 body that stops short of its Content-Length is cut off', async () => {
    const head =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n';
    const { text } = await stall(server.url, `${head}{"Stream`);
    assert.match(text, /^HTTP\/1\.1 408 /);
  });

  test('an HTTP/2 stream that stops sending its body is given up (408) and closed', async () => {
    const session = http2.connect(server.url);
    try {
      const started = Date.now();
      const closed = await new Promise<number>((resolve) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': '/',
          'content-type': 'application/x-amz-json-1.1',
          'content-length': '100',
        });
        stream.write('{"Stream');
        stream.on('error', () => {});
        stream.on('data', () => {});
        stream.on('close', () => resolve(Date.now() - started));
      });
      assert.ok(closed < cutOffWithinMs, `closed after ${closed} ms`);
      assert.equal(session.remoteSettings.maxConcurrentStreams, http2StreamsPerConnectionMax);
    } finally {
      session.destroy();
    }
  });

  test('connections beyond --connections-max are closed at once', async () => {
    const { hostname, port } = new URL(server.url);
    const open: net.Socket[] = [];
    try {
      for (let index = 0; index < 8; index++) {
        open.push(
          await new Promise<net.Socket>((resolve) => {
            const socket = net.connect(Number(port), hostname, () => resolve(socket));
          }),
        );
      }
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect(Number(port), hostname);
        socket.on('close', () => resolve(true));
        socket.on('error', () => {});
        socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
        socket.on('data', () => resolve(false));
      });
      assert.equal(refused, true, 'the ninth connection was closed without an answer');
    } finally {
      for (const socket of open) socket.destroy();
    }
    // Once they are gone, new connections are served again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/health' })).statusCode, 200);
  });

  test('stream names and shard ids never become paths', async () => {
    const names = ['..', '.', '...', '.hidden', 'a..b', '-'];
    for (const name of names) {
      await createStreamJson(server.url, name, 1);
      await expectSuccess(server.url, 'PutRecord', { StreamName: name, PartitionKey: 'k', Data: 'AA==' });
    }
    const answer = await rawRequest(server.url, {
      headers: kinesisHeaders('GetShardIterator', 'application/x-amz-json-1.1'),
      body: JSON.stringify({ StreamName: '..', ShardId: '../../../etc/passwd', ShardIteratorType: 'TRIM_HORIZON' }),
    });
    assert.equal(answer.statusCode, 400);
    const entries: string[] = [];
    const walk = (directory: string): void => {
      for (const entry of readdirSync(directory)) {
        const full = path.join(directory, entry);
        entries.push(path.relative(server.dataDir, full));
        if (statSync(full).isDirectory()) walk(full);
      }
    };
    walk(server.dataDir);
    for (const entry of entries) {
      for (const part of entry.split(path.sep)) {
        assert.ok(
          !names.includes(part) && !part.includes('passwd'),
          `a stream name or shard id became a path: ${entry}`,
        );
      }
    }
    assert.ok(entries.length > 0);
  });
});
