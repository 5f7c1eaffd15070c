/**
 * Acceptance: the core flow in CBOR (application/x-amz-cbor-1.1), what the Java SDK, KCL and Flink
 * send. No CBOR-speaking AWS client runs here, so requests are built by hand with cbor-x, and the
 * answers are decoded with the AWS SDK's own CBOR decoder (@smithy/core/cbor) as well.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cbor as smithyCbor } from '@smithy/core/cbor';
import { Encoder } from 'cbor-x';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

const cborType = 'application/x-amz-cbor-1.1';
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false, variableMapSize: true });

describe('CBOR (application/x-amz-cbor-1.1)', () => {
  let server: ServerProcess;
  const call = async (operation: string, input: unknown) => {
    const response = await rawRequest(server.url, {
      headers: kinesisHeaders(operation, cborType),
      body: Buffer.from(encoder.encode(input)),
    });
    assert.equal(response.headers['content-type'], cborType);
    const decoded = response.body.length
      ? (smithyCbor.deserialize(new Uint8Array(response.body)) as Record<string, unknown>)
      : {};
    return { status: response.statusCode, body: decoded };
  };
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server.stop();
  });

  test('creates a stream, puts binary records and reads them back as byte strings with tag-1 timestamps', async () => {
    assert.equal((await call('CreateStream', { StreamName: 'cbor-flow', ShardCount: 1 })).status, 200);
    let status = '';
    for (let attempt = 0; attempt < 200 && status !== 'ACTIVE'; attempt++) {
      const summary = await call('DescribeStreamSummary', { StreamName: 'cbor-flow' });
      status = (summary.body.StreamDescriptionSummary as { StreamStatus: string }).StreamStatus;
    }
    assert.equal(status, 'ACTIVE');
    const payloads = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(1024, 7), Buffer.from('text')];
    const sequences: string[] = [];
    for (const [index, data] of payloads.entries()) {
      const put = await call('PutRecord', { StreamName: 'cbor-flow', PartitionKey: `k${index}`, Data: data });
      assert.equal(put.status, 200);
      assert.equal(put.body.ShardId, 'shardId-000000000000');
      sequences.push(put.body.SequenceNumber as string);
    }
    const iterator = await call('GetShardIterator', {
      StreamName: 'cbor-flow',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const records = await call('GetRecords', { ShardIterator: iterator.body.ShardIterator });
    assert.equal(records.status, 200);
    const got = records.body.Records as Array<Record<string, unknown>>;
    assert.deepEqual(
      got.map((record) => [
        record.SequenceNumber,
        record.PartitionKey,
        Buffer.from(record.Data as Uint8Array).toString('hex'),
      ]),
      payloads.map((data, index) => [sequences[index], `k${index}`, data.toString('hex')]),
    );
    for (const record of got) {
      // The SDK's generic decoder keeps tags as {tag, value}; its shape deserializer makes tag 1 a Date.
      const stamp = record.ApproximateArrivalTimestamp as { tag: number | bigint; value: number };
      assert.equal(Number(stamp.tag), 1, 'timestamps travel as CBOR tag 1 (epoch seconds)');
      assert.ok(Math.abs(stamp.value * 1000 - Date.now()) < 600_000);
    }
    assert.equal(records.body.MillisBehindLatest, 0);
  });

  test('answers errors as CBOR maps with __type and message', async () => {
    const missing = await call('DescribeStream', { StreamName: 'no-such-stream' });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, {
      __type: 'ResourceNotFoundException',
      message: 'Stream no-such-stream under account 000000000000 not found.',
    });
    const invalid = await call('CreateStream', { StreamName: 'x', ShardCount: 0 });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.__type, 'ValidationException');
    assert.equal(
      invalid.body.message,
      "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  test('keeps tag keys named like Object.prototype members (`__proto__`) and data holding those bytes', async () => {
    assert.equal((await call('CreateStream', { StreamName: 'cbor-proto', ShardCount: 1 })).status, 200);
    for (let attempt = 0; attempt < 200; attempt++) {
      const summary = await call('DescribeStreamSummary', { StreamName: 'cbor-proto' });
      if ((summary.body.StreamDescriptionSummary as { StreamStatus: string }).StreamStatus === 'ACTIVE') break;
    }
    // A Map: cbor-x's object encoder would drop an own `__proto__` key before it reached the wire.
    const tags = new Map([
      ['__proto__', 'p'],
      ['constructor', 'c'],
    ]);
    assert.equal((await call('AddTagsToStream', { StreamName: 'cbor-proto', Tags: tags })).status, 200);
    const listed = await call('ListTagsForStream', { StreamName: 'cbor-proto' });
    assert.deepEqual(listed.body.Tags, [
      { Key: '__proto__', Value: 'p' },
      { Key: 'constructor', Value: 'c' },
    ]);
    // The slow path (taken when the body holds the bytes `__proto__` anywhere) decodes blobs alike.
    const data = Buffer.from('data mentioning __proto__');
    const put = await call('PutRecord', { StreamName: 'cbor-proto', PartitionKey: '__proto__', Data: data });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const iterator = await call('GetShardIterator', {
      StreamName: 'cbor-proto',
      ShardId: put.body.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const records = await call('GetRecords', { ShardIterator: iterator.body.ShardIterator });
    const [record] = records.body.Records as Array<{ Data: Uint8Array; PartitionKey: string }>;
    assert.equal(record?.PartitionKey, '__proto__');
    assert.deepEqual(Buffer.from(record?.Data ?? []), data);
  });

  test('refuses a malformed CBOR body with SerializationException', async () => {
    const response = await rawRequest(server.url, {
      headers: kinesisHeaders('ListStreams', cborType),
      body: Buffer.from([0xbf, 0x61]),
    });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(smithyCbor.deserialize(new Uint8Array(response.body)), { __type: 'SerializationException' });
  });
});
