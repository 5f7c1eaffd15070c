/**
 * The front door gives up on a request body that does not arrive in time (requestBodyReceiveMsMax):
 * a client that declares more than it sends, or stops sending, must not pin its request — nor the
 * server's shutdown, which waits for requests in flight — forever. Runs the real front door and
 * dual-protocol server in process, with a short deadline and a stand-in service.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RpcService } from '../protocol/rpc-service.js';
import { kinesisModel } from '../services/streams/model.generated.js';
import { kinesisHeaders } from '../testing/raw-request.js';
import { lowerCaseHeaders } from '../testing/wire-probes.js';
import { createDualServer, type DualServer } from './dual-server.js';
import { createFrontDoor, type FrontDoor } from './front-door.js';

const receiveMsMax = 300;
/** Generous bound on every wait: a deadline that never fires fails the test instead of hanging it. */
const waitMsMax = 5_000;

const listStreamsOnly: RpcService = {
  targetPrefix: kinesisModel.targetPrefix,
  model: kinesisModel,
  implements: (operation) => operation === 'ListStreams',
  invoke: async () => ({ StreamNames: [], HasMoreStreams: false }),
};

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: nothing within ${waitMsMax} ms`)), waitMsMax);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

describe('a request body that does not arrive in time', () => {
  let frontDoor: FrontDoor;
  let dual: DualServer;
  let url: string;
  const logged: unknown[][] = [];
  const consoleError = console.error;
  before(async () => {
    console.error = (...args: unknown[]) => logged.push(args);
    frontDoor = createFrontDoor({
      services: [listStreamsOnly],
      requestBodyBytesMax: 1024,
      requestBodyReceiveMsMax: receiveMsMax,
    });
    dual = createDualServer(frontDoor.handler, { keepAliveTimeoutMs: 5_000, http2StreamsConcurrentMax: 100 });
    await new Promise<void>((resolve) => dual.server.listen(0, '127.0.0.1', resolve));
    const address = dual.server.address() as net.AddressInfo;
    url = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    console.error = consoleError;
    await dual.close();
  });

  test('over HTTP/1.1 is answered 408 and its connection closed', async () => {
    const port = Number(new URL(url).port);
    const socket = net.connect(port, '127.0.0.1');
    const headers = Object.entries(kinesisHeaders('ListStreams', 'application/x-amz-json-1.1'))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n${headers}\r\n{"a`);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    const startedMs = Date.now();
    await within(new Promise((resolve) => socket.on('close', resolve)), 'connection close');
    assert.ok(Date.now() - startedMs >= receiveMsMax - 50, 'not before the deadline');
    assert.match(received, /^HTTP\/1\.1 408 /);
    assert.match(received, /\r\nConnection: close\r\n/i);
    await within(frontDoor.drained(), 'front door drained');
  });

  test('over HTTP/2 is answered 408 and its stream reset, while the session serves on', async () => {
    const session = http2.connect(url);
    try {
      const headers = lowerCaseHeaders(kinesisHeaders('ListStreams', 'application/x-amz-json-1.1'));
      const stalled = session.request({ ':method': 'POST', ':path': '/', 'content-length': '100', ...headers });
      stalled.write('{"a');
      const answer = await within(
        new Promise<{ status: number; rstCode: number | undefined }>((resolve) => {
          let status = 0;
          stalled.on('response', (received) => {
            status = Number(received[':status']);
          });
          stalled.on('error', () => {});
          stalled.resume();
          stalled.on('close', () => resolve({ status, rstCode: stalled.rstCode }));
        }),
        'stalled stream answer',
      );
      assert.deepEqual(answer, { status: 408, rstCode: http2.constants.NGHTTP2_NO_ERROR });

      const next = session.request({ ':method': 'POST', ':path': '/', ...headers });
      next.end('{}');
      const status = await within(
        new Promise<number>((resolve, reject) => {
          next.on('response', (received) => resolve(Number(received[':status'])));
          next.on('error', reject);
        }),
        'next request',
      );
      assert.equal(status, 200);
      next.resume();
      await within(frontDoor.drained(), 'front door drained');
    } finally {
      session.destroy();
    }
  });

  test('over HTTP/2 after a 413, when the client neither stops sending nor ends, resets the stream', async () => {
    const session = http2.connect(url);
    try {
      const headers = lowerCaseHeaders(kinesisHeaders('ListStreams', 'application/x-amz-json-1.1'));
      const oversized = session.request({ ':method': 'POST', ':path': '/', 'content-length': '5000', ...headers });
      oversized.write(Buffer.alloc(100));
      const answer = await within(
        new Promise<{ status: number; rstCode: number | undefined }>((resolve) => {
          let status = 0;
          oversized.on('response', (received) => {
            status = Number(received[':status']);
          });
          oversized.on('error', () => {});
          oversized.resume();
          oversized.on('close', () => resolve({ status, rstCode: oversized.rstCode }));
        }),
        'oversized stream close',
      );
      assert.deepEqual(answer, { status: 413, rstCode: http2.constants.NGHTTP2_NO_ERROR });
      await within(frontDoor.drained(), 'front door drained');
    } finally {
      session.destroy();
    }
  });

  test('is never handled once given up (no unexpected error logged)', () => {
    assert.deepEqual(logged, []);
  });
});
