#!/usr/bin/env node
/**
 * The push floor: what Node itself does on this machine for "write durably, acknowledge, push to
 * subscribers" — the least any Node server must do for the fan-out latency scenario, with none of
 * Tributary's work (no validation, no storage format, no HTTP/2, no event-stream framing).
 *
 * - `POST /` with `X-Amz-Target: Kinesis_20131202.PutRecord`: parses the JSON body, base64-decodes
 *   Data, MD5s the PartitionKey (the routing every Kinesis server does), appends the record to one
 *   file opened with O_DSYNC (so the write returns once it is on disk, one trip through libuv's
 *   thread pool, as Tributary does), then answers `{ShardId, SequenceNumber}` and writes the record
 *   to every subscriber. Writes arriving while one is on disk go out together (group commit).
 * - `GET /subscribe`: an endless chunked HTTP/1.1 answer, one JSON line per record
 *   (`{"PartitionKey":…,"Data":…}`), the simplest push there is.
 *
 * Usage: node bench/push-floor-server.mjs --data-dir DIR [--port N]   (prints "push-floor: listening on URL")
 */
import { createHash } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, 'data-dir': { type: 'string' } },
});
if (!values['data-dir']) throw new Error('push-floor: --data-dir is required');
await fs.mkdir(values['data-dir'], { recursive: true });
const file = await fs.open(
  path.join(values['data-dir'], 'log'),
  constants.O_RDWR | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC,
  0o644,
);

const subscribers = new Set();
let position = 0;
let sequence = 10n ** 55n;
/** Records waiting for the next write; `writing` while one is on disk. */
let queued = [];
let writing = false;

async function flush() {
  writing = true;
  while (queued.length > 0) {
    const round = queued;
    queued = [];
    const buffers = round.map((entry) => entry.data);
    const bytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    await file.writev(buffers, position);
    position += bytes;
    for (const entry of round) entry.durable();
  }
  writing = false;
}

function answer(response, statusCode, body) {
  response.writeHead(statusCode, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

function putRecord(response, body) {
  let input;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return answer(response, 400, '{"__type":"SerializationException"}');
  }
  const data = Buffer.from(input.Data, 'base64');
  createHash('md5').update(input.PartitionKey, 'utf8').digest();
  queued.push({
    data,
    durable: () => {
      sequence += 1n;
      answer(response, 200, `{"ShardId":"shardId-000000000000","SequenceNumber":"${sequence}"}`);
      const line = `${JSON.stringify({ PartitionKey: input.PartitionKey, Data: input.Data })}\n`;
      for (const subscriber of subscribers) subscriber.write(line);
    },
  });
  if (!writing) void flush();
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/subscribe') {
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    response.flushHeaders();
    subscribers.add(response);
    response.on('close', () => subscribers.delete(response));
    return;
  }
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    if (request.headers['x-amz-target'] !== 'Kinesis_20131202.PutRecord') {
      return answer(response, 400, '{"__type":"UnknownOperationException"}');
    }
    putRecord(response, Buffer.concat(chunks));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`push-floor: listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => {
  for (const subscriber of subscribers) subscriber.end();
  server.close(() => process.exit(0));
});
