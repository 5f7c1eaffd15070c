/**
 * Acceptance: hostile HTTP, each with the exact answer expected — bodies over 16 MiB and bodies
 * shorter than declared (HTTP/1.1 and HTTP/2), a request target that is no URL, wrong methods,
 * CORS preflight, unknown targets, missing or incomplete signatures, and HTTP/2 with prior
 * knowledge. One server process runs them all and must log no internal failure.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { Encoder } from 'cbor-x';
import { accessDeniedXml } from '../testing/answer-shape.js';
import { callJson, createStreamJson } from '../testing/kinesis-json.js';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { http2Call, lowerCaseHeaders, openSocket, requestHead } from '../testing/wire-probes.js';

const jsonType = 'application/x-amz-json-1.1';
const cborType = 'application/x-amz-cbor-1.1';
/** The body limit of PutRecord and PutRecords (the largest). */
const bodyBytesMax = 16 * 1024 * 1024;
const waitMsMax = 20_000;
const stream = 'bad-input-http';
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, stream, 1);
});
after(async () => {
  await server?.stop();
});

describe('oversized and stalled bodies', () => {
  test('HTTP/1.1: a body declared over 16 MiB is answered 413 at once and the connection closed', async () => {
    const exchange = openSocket(server.url, waitMsMax);
    const head = { ...kinesisHeaders('PutRecords', jsonType), 'Content-Length': String(bodyBytesMax + 1) };
    exchange.socket.write(requestHead('POST', head));
    exchange.socket.write(Buffer.alloc(64 * 1024, 0x61));
    const answer = await exchange.closed();
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.match(answer, /\r\nContent-Length: 0\r\n/i);
  });

  test('HTTP/1.1: a chunked body growing past 16 MiB is answered 413 and the connection closed', async () => {
    const exchange = openSocket(server.url, waitMsMax);
    exchange.socket.write(
      requestHead('POST', { ...kinesisHeaders('PutRecords', jsonType), 'Transfer-Encoding': 'chunked' }),
    );
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const { socket } = exchange;
    for (let sent = 0; sent <= 17 && exchange.received() === '' && !socket.destroyed; sent++) {
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      if (!socket.write('\r\n')) {
        // Bounded: the server may stop reading once it has answered.
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, 1_000);
          for (const event of ['drain', 'close', 'data']) socket.once(event, () => resolve(clearTimeout(timer)));
        });
      }
    }
    assert.match(await exchange.closed(), /^HTTP\/1\.1 413 /);
  });

  test('HTTP/1.1: after a 413 the server still reads what the client sends, then closes without a reset', async () => {
    // A client that has not yet read the answer when a reset arrives loses it; nginx's "lingering
    // close". Without it the writes below meet a closed socket and the client sees ECONNRESET.
    const exchange = openSocket(server.url, waitMsMax);
    const head = { ...kinesisHeaders('PutRecords', jsonType), 'Transfer-Encoding': 'chunked' };
    exchange.socket.write(requestHead('POST', head));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const writeChunk = (): Promise<void> =>
      new Promise((resolve) => {
        const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        exchange.socket.write(framed, () => resolve());
      });
    for (let sent = 0; sent < 17; sent++) await writeChunk();
    if (exchange.received() === '' && !exchange.socket.destroyed) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, waitMsMax);
        for (const event of ['data', 'close']) exchange.socket.once(event, () => resolve(clearTimeout(timer)));
      });
    }
    // The answer is in; the client goes on sending the rest of its upload.
    for (let sent = 0; sent < 4 && !exchange.socket.destroyed; sent++) await writeChunk();
    const answer = await exchange.closed();
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.equal(exchange.errorCode(), undefined);
  });

  test('HTTP/2: a 17 MiB body is answered 413 and the session serves the next request', async () => {
    // The client's own session memory limit (10 MB by default) would refuse the write.
    const session = http2.connect(server.url, { maxSessionMemory: 64 });
    try {
      const headers = lowerCaseHeaders(kinesisHeaders('PutRecords', jsonType));
      const big = await http2Call(session, headers, Buffer.alloc(bodyBytesMax + 1024 * 1024, 0x61), waitMsMax);
      assert.equal(big.status, 413);
      assert.equal(big.body.length, 0);
      const declared = await http2Call(
        session,
        { ...headers, 'content-length': String(bodyBytesMax + 1) },
        Buffer.alloc(bodyBytesMax + 1),
        waitMsMax,
      );
      assert.equal(declared.status, 413);
      const next = await http2Call(session, lowerCaseHeaders(kinesisHeaders('ListStreams', jsonType)), '{}', waitMsMax);
      assert.equal(next.status, 200);
    } finally {
      session.destroy();
    }
    assert.equal((await rawRequest(server.url, { method: 'GET', path: '/health' }, waitMsMax)).statusCode, 200);
  });

  test('a body shorter than its Content-Length pins neither the server nor an HTTP/2 session', async () => {
    // The request waits for the rest of its body until --request-timeout-ms (5 minutes by default;
    // its expiry is tested in http/request-deadline.test.ts); meanwhile everyone else is served.
    const exchange = openSocket(server.url, waitMsMax);
    exchange.socket.write(
      requestHead('POST', { ...kinesisHeaders('ListStreams', jsonType), 'Content-Length': '1000' }),
    );
    exchange.socket.write('{"Limit":');
    const session = http2.connect(server.url);
    try {
      const headers = lowerCaseHeaders(kinesisHeaders('ListStreams', jsonType));
      const stalled = session.request({ ':method': 'POST', ':path': '/', ...headers, 'content-length': '1000' });
      stalled.on('error', () => {});
      stalled.write('{"Limit":');
      assert.equal((await callJson(server.url, 'ListStreams', {})).statusCode, 200);
      assert.equal((await http2Call(session, headers, '{}', waitMsMax)).status, 200);
      assert.equal(exchange.received(), '', 'the stalled request is still waiting for its body');
      stalled.close(http2.constants.NGHTTP2_CANCEL);
    } finally {
      session.destroy();
      exchange.socket.destroy();
    }
  });
});

describe('protocol errors', () => {
  const listStreams = () => kinesisHeaders('ListStreams', jsonType);

  test('GET, PUT and DELETE are AccessDeniedException in XML', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      // node:http sends a GET or DELETE body unframed unless told its length.
      const headers = { ...listStreams(), 'Content-Length': '2' };
      const answer = await rawRequest(server.url, { method, headers, body: '{}' }, waitMsMax);
      assert.equal(answer.statusCode, 403, method);
      assert.equal(answer.body.toString(), accessDeniedXml);
      assert.equal(answer.headers['content-type'], undefined);
    }
  });

  test('OPTIONS with an Origin is a CORS preflight answer; without one, it is AccessDenied', async () => {
    const preflight = await rawRequest(
      server.url,
      {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://console.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-amz-target',
        },
      },
      waitMsMax,
    );
    assert.equal(preflight.statusCode, 200);
    assert.equal(preflight.body.length, 0);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    assert.equal(preflight.headers['access-control-allow-methods'], 'POST');
    assert.equal(preflight.headers['access-control-allow-headers'], 'content-type,x-amz-target');
    assert.equal(preflight.headers['access-control-max-age'], '172800');
    assert.ok(preflight.headers['x-amzn-requestid']);
    assert.equal(preflight.headers['x-amz-id-2'], undefined);
    const plain = await rawRequest(server.url, { method: 'OPTIONS' }, waitMsMax);
    assert.equal(plain.statusCode, 403);
    assert.equal(plain.body.toString(), accessDeniedXml);
  });

  test('unknown X-Amz-Target prefixes and operations are UnknownOperationException', async () => {
    for (const target of ['Kinesis_20131202.NoSuchOperation', 'DynamoDB_20120810.ListTables', 'Kinesis_20131202', '']) {
      const answer = await rawRequest(
        server.url,
        { headers: { ...listStreams(), 'X-Amz-Target': target }, body: '{}' },
        waitMsMax,
      );
      assert.equal(answer.statusCode, 400, target);
      assert.deepEqual(JSON.parse(answer.body.toString()), { __type: 'UnknownOperationException' });
    }
  });

  test('a missing Authorization is MissingAuthenticationTokenException', async () => {
    const { Authorization: _, ...unsigned } = listStreams();
    const answer = await rawRequest(server.url, { headers: unsigned, body: '{}' }, waitMsMax);
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(JSON.parse(answer.body.toString()), {
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  test('an incomplete Authorization or presigned query is IncompleteSignatureException listing what is missing', async () => {
    const { 'X-Amz-Date': _, ...undated } = listStreams();
    const header = await rawRequest(
      server.url,
      { headers: { ...undated, Authorization: 'AWS4-HMAC-SHA256' }, body: '{}' },
      waitMsMax,
    );
    assert.deepEqual(JSON.parse(header.body.toString()), {
      __type: 'IncompleteSignatureException',
      message:
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either " +
        "a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
    });
    const { Authorization: __, ...unsigned } = listStreams();
    const query = await rawRequest(
      server.url,
      { path: '/?X-Amz-Algorithm=AWS4-HMAC-SHA256', headers: unsigned, body: '{}' },
      waitMsMax,
    );
    assert.deepEqual(JSON.parse(query.body.toString()), {
      __type: 'IncompleteSignatureException',
      message:
        "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include " +
        "'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string " +
        "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.",
    });
  });

  test('a request target that is no URL (`//`, `http://[`) is no server fault', async () => {
    for (const path of ['//', 'http://[']) {
      const exchange = openSocket(server.url, waitMsMax);
      exchange.socket.end(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n` +
          `${Object.entries(listStreams())
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('')}\r\n{}`,
      );
      assert.match(await exchange.closed(), /^HTTP\/1\.1 200 /, path);
    }
  });

  test('HTTP/2 with prior knowledge answers JSON and CBOR, successes and errors alike', async () => {
    const session = http2.connect(server.url);
    try {
      const json = await http2Call(session, lowerCaseHeaders(listStreams()), '{}', waitMsMax);
      assert.equal(json.status, 200);
      assert.equal(json.headers['content-type'], jsonType);
      assert.ok(Array.isArray(JSON.parse(json.body.toString()).StreamNames));
      const cborHeaders = lowerCaseHeaders(kinesisHeaders('DescribeStreamSummary', cborType));
      const described = await http2Call(
        session,
        cborHeaders,
        Buffer.from(cborEncoder.encode({ StreamName: stream })),
        waitMsMax,
      );
      assert.equal(described.status, 200);
      assert.equal(described.headers['content-type'], cborType);
      const { authorization: _, ...unsigned } = lowerCaseHeaders(listStreams());
      const refused = await http2Call(session, unsigned, '{}', waitMsMax);
      assert.equal(refused.status, 400);
      assert.deepEqual(JSON.parse(refused.body.toString()), {
        __type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      });
    } finally {
      session.destroy();
    }
  });
});

test('the server logged no internal failure', () => {
  assert.doesNotMatch(server.output(), /unexpected error| failed/);
});
