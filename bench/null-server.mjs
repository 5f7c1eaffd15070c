#!/usr/bin/env node
/**
 * The null server: the ceiling of Node itself on this machine for the write path. It does the work
 * any Kinesis server must do per request — read the body, parse the PutRecords / PutRecord JSON,
 * base64-decode every record's Data, MD5 the PartitionKey and pick a shard by hash-key range — and
 * answers a valid response, but stores nothing.
 *
 * Usage: node bench/null-server.mjs [--port N] [--shards N]   (prints "null-server: listening on URL")
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, shards: { type: 'string', default: '4' } },
});
const shardCount = Number(values.shards);
/** The 2^128 hash-key space split into equal ranges, like CreateStream does. */
const shardWidth = (1n << 128n) / BigInt(shardCount);
const shardIds = Array.from({ length: shardCount }, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
let sequence = 10n ** 55n;

function route(partitionKey, data) {
  Buffer.from(data, 'base64');
  const hashKey = BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
  const shardIndex = Math.min(shardCount - 1, Number(hashKey / shardWidth));
  sequence += 1n;
  return { SequenceNumber: sequence.toString(), ShardId: shardIds[shardIndex] };
}

function answer(response, statusCode, document) {
  const body = JSON.stringify(document);
  response.writeHead(statusCode, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

const operations = {
  PutRecords(input) {
    const records = input.Records.map((record) => route(record.PartitionKey, record.Data));
    return { FailedRecordCount: 0, Records: records };
  },
  PutRecord(input) {
    return route(input.PartitionKey, input.Data);
  },
};

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const operation = operations[String(request.headers['x-amz-target']).split('.')[1]];
    if (!operation) return answer(response, 400, { __type: 'UnknownOperationException' });
    try {
      answer(response, 200, operation(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    } catch {
      answer(response, 400, { __type: 'SerializationException' });
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), '127.0.0.1', () => {
  console.log(`null-server: listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
