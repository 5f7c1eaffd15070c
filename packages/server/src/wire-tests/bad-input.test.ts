/**
 * Acceptance: hostile input documents, each with the exact answer expected — invalid UTF-8,
 * foreign, tampered, truncated and stale shard iterators, deep nesting, 15 MiB bodies, NaN and
 * invalid dates in CBOR. (HTTP-level hostility: bad-input-http.test.ts.) One server process runs
 * them all and must log no internal failure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cbor as smithyCbor } from '@smithy/core/cbor';
import { Encoder, Tag } from 'cbor-x';
import {
  createStreamJson,
  expectError,
  expectSerialization,
  expectSuccess,
  expectValidation,
  violation,
} from '../testing/kinesis-json.js';
import { seededBytes, seededRandom } from '../testing/random.js';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

const jsonType = 'application/x-amz-json-1.1';
const cborType = 'application/x-amz-cbor-1.1';
const waitMsMax = 20_000;
const stream = 'bad-input';
const otherStream = 'bad-input-other';
const shard0 = 'shardId-000000000000';
const shard1 = 'shardId-000000000001';
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, stream, 2);
  await createStreamJson(server.url, otherStream, 1);
});
after(async () => {
  await server?.stop();
});

async function callRaw(operation: string, body: Buffer, contentType = jsonType) {
  const answer = await rawRequest(server.url, { headers: kinesisHeaders(operation, contentType), body }, waitMsMax);
  const decoded =
    answer.body.length === 0
      ? {}
      : contentType === cborType
        ? (smithyCbor.deserialize(new Uint8Array(answer.body)) as Record<string, unknown>)
        : (JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>);
  return { statusCode: answer.statusCode, body: decoded, headers: answer.headers };
}

const callCbor = (operation: string, input: unknown) =>
  callRaw(operation, Buffer.from(cborEncoder.encode(input)), cborType);

async function iterator(streamName: string, shardId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await expectSuccess(server.url, 'GetShardIterator', {
    StreamName: streamName,
    ShardId: shardId,
    ShardIteratorType: 'TRIM_HORIZON',
    ...extra,
  });
  return answer.ShardIterator as string;
}

async function recordsFrom(shardIterator: string): Promise<Array<Record<string, string>>> {
  const page = await expectSuccess(server.url, 'GetRecords', { ShardIterator: shardIterator });
  return page.Records as Array<Record<string, string>>;
}

/** ExplicitHashKeys that land in the first and the second half of the hash key range. */
const lowHashKey = '0';
const highHashKey = (2n ** 127n + 1n).toString();

describe('invalid UTF-8', () => {
  // AWS's answer is not recorded. Tributary decodes bodies as UTF-8 with replacement (WHATWG, as
  // JSON.parse(body.toString()) does in kinesalite): each invalid sequence becomes U+FFFD, in JSON
  // and CBOR alike, and the key is routed, stored and returned in that decoded form.
  const decodedKey = 'a\uFFFD\uFFFDb';

  test('a partition key with invalid bytes is stored and read back as U+FFFD, routed like the decoded key', async () => {
    const body = Buffer.concat([
      Buffer.from(`{"StreamName":"${stream}","Data":"aGk=","PartitionKey":"a`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('b"}'),
    ]);
    const raw = await callRaw('PutRecord', body);
    assert.equal(raw.statusCode, 200, JSON.stringify(raw.body));
    const escaped = await expectSuccess(server.url, 'PutRecord', {
      StreamName: stream,
      Data: 'aGk=',
      PartitionKey: decodedKey,
    });
    assert.equal(raw.body.ShardId, escaped.ShardId);
    // cbor-x cannot write invalid UTF-8: write 'a\uE000' (61 EE 80 80) and swap its last three bytes.
    const cborBody = Buffer.from(
      cborEncoder.encode({ StreamName: stream, Data: Buffer.from('hi'), PartitionKey: 'a\uE000' }),
    );
    const withKey = Buffer.from(cborBody);
    withKey.set([0xff, 0xfe, 0x62], cborBody.indexOf(Buffer.from('a\uE000')) + 1);
    const viaCbor = await callRaw('PutRecord', withKey, cborType);
    assert.equal(viaCbor.statusCode, 200, JSON.stringify(viaCbor.body));
    assert.equal(viaCbor.body.ShardId, escaped.ShardId);
    const shardIterator = await iterator(stream, escaped.ShardId as string, {
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: raw.body.SequenceNumber,
    });
    const keys = (await recordsFrom(shardIterator)).map((record) => record.PartitionKey);
    assert.deepEqual(keys.slice(0, 3), [decodedKey, decodedKey, decodedKey]);
  });
});

describe('shard iterators', () => {
  test('an iterator reads only its own shard', async () => {
    const low = await expectSuccess(server.url, 'PutRecord', {
      StreamName: stream,
      Data: 'bG93',
      PartitionKey: 'x',
      ExplicitHashKey: lowHashKey,
    });
    const high = await expectSuccess(server.url, 'PutRecord', {
      StreamName: stream,
      Data: 'aGlnaA==',
      PartitionKey: 'x',
      ExplicitHashKey: highHashKey,
    });
    assert.deepEqual([low.ShardId, high.ShardId], [shard0, shard1]);
    const shard0Sequences = (await recordsFrom(await iterator(stream, shard0))).map((record) => record.SequenceNumber);
    assert.ok(shard0Sequences.includes(low.SequenceNumber as string));
    assert.ok(!shard0Sequences.includes(high.SequenceNumber as string));
  });

  test("a sequence number of another shard is refused with AWS's message", async () => {
    const low = await expectSuccess(server.url, 'PutRecord', {
      StreamName: stream,
      Data: 'bG93',
      PartitionKey: 'x',
      ExplicitHashKey: lowHashKey,
    });
    await expectError(
      server.url,
      'GetShardIterator',
      {
        StreamName: stream,
        ShardId: shard1,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: low.SequenceNumber,
      },
      'InvalidArgumentException',
      `Invalid StartingSequenceNumber. It encodes ${shard0}, while it was used in a call to a shard with ${shard1}`,
    );
  });

  test("an iterator of another stream reads that stream's records, never this one's", async () => {
    const other = await expectSuccess(server.url, 'PutRecord', {
      StreamName: otherStream,
      Data: 'b3RoZXI=',
      PartitionKey: 'o',
    });
    const records = await recordsFrom(await iterator(otherStream, shard0));
    assert.deepEqual(
      records.map((record) => record.SequenceNumber),
      [other.SequenceNumber],
    );
  });

  // Authorization checks the StreamARN a call names; GetRecords must not read another stream's
  // iterator under that name. AWS's exact answer is not recorded; ours is InvalidArgumentException.
  test('an iterator of another stream is refused when the call names this stream by StreamARN', async () => {
    const shardIterator = await iterator(otherStream, shard0);
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: shardIterator, StreamARN: arn },
      'InvalidArgumentException',
      `StreamARN ${arn} does not match the stream of the ShardIterator.`,
    );
  });

  test('a tampered iterator (one character changed anywhere) is invalid', async () => {
    const valid = await iterator(stream, shard0);
    for (let index = 0; index < valid.length; index += 7) {
      const original = valid.charAt(index);
      if (original === '=') continue;
      const tampered = `${valid.slice(0, index)}${original === 'A' ? 'B' : 'A'}${valid.slice(index + 1)}`;
      await expectError(
        server.url,
        'GetRecords',
        { ShardIterator: tampered },
        'InvalidArgumentException',
        'Invalid ShardIterator.',
      );
    }
    const notBase64 = `!${valid.slice(1)}`;
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: notBase64 },
      'InvalidArgumentException',
      'Invalid ShardIterator.',
    );
  });

  test('a truncated iterator is invalid, an empty one breaks the model', async () => {
    const valid = await iterator(stream, shard0);
    for (const truncated of [valid.slice(0, -4), valid.slice(0, 24), valid.slice(0, 1)]) {
      await expectError(
        server.url,
        'GetRecords',
        { ShardIterator: truncated },
        'InvalidArgumentException',
        'Invalid ShardIterator.',
      );
    }
    await expectValidation(server.url, 'GetRecords', { ShardIterator: '' }, [
      violation('', 'shardIterator', 'Member must have length greater than or equal to 1'),
    ]);
  });

  test('an iterator of a deleted stream finds no shard', async () => {
    await createStreamJson(server.url, 'bad-input-deleted', 1);
    const stale = await iterator('bad-input-deleted', shard0);
    await expectSuccess(server.url, 'DeleteStream', { StreamName: 'bad-input-deleted' });
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: stale },
      'ResourceNotFoundException',
      `Shard ${shard0} in stream bad-input-deleted under account 000000000000 does not exist`,
    );
  });
});

describe('deep and large documents', () => {
  const depth = 10_000;
  const deepList = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const deepMap = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  test('10,000 levels of nesting as the whole body: a list is a SerializationException, a map has no members', async () => {
    const list = await callRaw('DescribeStreamSummary', Buffer.from(deepList));
    assert.deepEqual([list.statusCode, list.body], [400, { __type: 'SerializationException' }]);
    await expectError(
      server.url,
      'DescribeStreamSummary',
      deepMap,
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    );
  });

  test('10,000 levels of nesting in a member is a SerializationException; in an unknown member, ignored', async () => {
    await expectSerialization(
      server.url,
      'DescribeStreamSummary',
      `{"StreamName":${deepList}}`,
      'Start of list found where not expected',
    );
    await expectSerialization(
      server.url,
      'DescribeStreamSummary',
      `{"StreamName":${deepMap}}`,
      'Start of structure or map found where not expected.',
    );
    const summary = await expectSuccess(
      server.url,
      'DescribeStreamSummary',
      `{"Deep":${deepMap},"StreamName":"${stream}"}`,
    );
    assert.equal((summary.StreamDescriptionSummary as Record<string, unknown>).StreamName, stream);
  });

  test('100,000 levels of CBOR nesting is a SerializationException and leaves the decoder sound', async () => {
    const deep = Buffer.concat([Buffer.alloc(100_000, 0x81), Buffer.from([0xf6])]);
    const answer = await callRaw('DescribeStreamSummary', deep, cborType);
    assert.deepEqual([answer.statusCode, answer.body], [400, { __type: 'SerializationException' }]);
    const next = await callCbor('DescribeStreamSummary', { StreamName: stream });
    assert.equal(next.statusCode, 200);
  });

  test('15 MiB of garbage is a SerializationException', async () => {
    const garbage = seededBytes(seededRandom(15), 15 * 1024 * 1024);
    for (const contentType of [jsonType, cborType]) {
      const answer = await callRaw('PutRecord', garbage, contentType);
      assert.equal(answer.statusCode, 400);
      assert.equal(answer.body.__type, 'SerializationException');
    }
  });

  test('15 MiB of base64 Data is measured against the model after decoding', async () => {
    const data = 'A'.repeat(15 * 1024 * 1024);
    const decodedBytes = (data.length / 4) * 3;
    await expectValidation(server.url, 'PutRecord', { StreamName: stream, PartitionKey: 'k', Data: data }, [
      violation(
        `java.nio.HeapByteBuffer[pos=0 lim=${decodedBytes} cap=${decodedBytes}]`,
        'data',
        'Member must have length less than or equal to 10485760',
      ),
    ]);
  });
});

describe('NaN and invalid dates in CBOR', () => {
  test('NaN is no Integer: refused before it can reach a stream', async () => {
    const created = await callCbor('CreateStream', { StreamName: 'bad-input-nan', ShardCount: Number.NaN });
    assert.deepEqual(
      [created.statusCode, created.body],
      [400, { __type: 'SerializationException', Message: "'NaN' can not be converted to an Integer" }],
    );
    const retention = await callCbor('IncreaseStreamRetentionPeriod', {
      StreamName: stream,
      RetentionPeriodHours: Number.NaN,
    });
    assert.equal(retention.body.Message, "'NaN' can not be converted to an Integer");
    const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: stream });
    assert.equal((summary.StreamDescriptionSummary as Record<string, unknown>).RetentionPeriodHours, 24);
  });

  test('NaN and invalid dates are no timestamps', async () => {
    const input = { StreamName: stream, ShardId: shard0, ShardIteratorType: 'AT_TIMESTAMP' };
    const cases: Array<[unknown, string]> = [
      [Number.NaN, "'NaN' can not be converted to milliseconds since epoch"],
      [new Tag('garbage', 1), "'Invalid Date' can not be converted to milliseconds since epoch"],
      [new Tag('not a date', 0), "'Invalid Date' can not be converted to milliseconds since epoch"],
    ];
    for (const [timestamp, message] of cases) {
      const answer = await callCbor('GetShardIterator', { ...input, Timestamp: timestamp });
      assert.deepEqual([answer.statusCode, answer.body], [400, { __type: 'SerializationException', Message: message }]);
    }
  });
});

test('the server logged no internal failure', () => {
  assert.doesNotMatch(server.output(), /unexpected error| failed/);
});
