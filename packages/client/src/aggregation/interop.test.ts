/**
 * Interoperability with the awslabs `aws-kinesis-agg` package (the Node implementation of the KPL
 * format, protobufjs-based) in both directions, and a round trip through a real Tributary server.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import fc from 'fast-check';
import { Aggregator, deaggregate, effectiveHashKey, encodeAggregate, hashKeyMax, type UserRecord } from './index.js';

interface TheirRecord {
  partitionKey: string;
  explicitPartitionKey?: string;
  subSequenceNumber?: number;
  data: string;
}
interface TheirAggregator {
  addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
  build(): { partitionKey: string; data: Buffer; ExplicitHashKey?: string };
}
interface AwsKinesisAgg {
  RecordAggregator: new () => TheirAggregator;
  deaggregateSync(
    record: { partitionKey: string; explicitPartitionKey?: string; data: string; sequenceNumber: string },
    computeChecksums: boolean,
    callback: (error: Error | null, records?: TheirRecord[]) => void,
  ): void;
}

const theirs = createRequire(import.meta.url)('aws-kinesis-agg') as AwsKinesisAgg;
const seed = 7_2026;

/**
 * aws-kinesis-agg keeps its key tables in plain objects and writes them out with Object.keys, which
 * lists integer-like keys ("0" … "4294967294") first and in numeric order, so it scrambles the table
 * (and the records' keys) when a key looks like an array index. Their encoder is only given other keys.
 */
const isArrayIndexLike = (key: string): boolean => /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;

const mixedRecordsArbitrary = fc.array(
  fc.record(
    {
      // aws-kinesis-agg rejects an empty partition key, as Kinesis does.
      partitionKey: fc
        .oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), fc.constantFrom('k1', 'k2'))
        .filter((key) => !isArrayIndexLike(key)),
      explicitHashKey: fc.option(
        fc
          .oneof(fc.bigInt({ min: 0n, max: hashKeyMax }), fc.constantFrom(1n << 64n, hashKeyMax))
          .map((value) => value.toString())
          .filter((key) => !isArrayIndexLike(key)),
        { nil: undefined },
      ),
      data: fc.uint8Array({ maxLength: 200 }),
    },
    { requiredKeys: ['partitionKey', 'data'] },
  ),
  { minLength: 2, maxLength: 40 },
);
/** Half the runs without any explicit hash key, so both table shapes are covered. */
const recordsArbitrary: fc.Arbitrary<UserRecord[]> = fc.oneof(
  mixedRecordsArbitrary,
  mixedRecordsArbitrary.map((records) => records.map(({ partitionKey, data }) => ({ partitionKey, data }))),
);

const fields = (record: { partitionKey: string; explicitHashKey?: string | undefined; data: Uint8Array }) => ({
  partitionKey: record.partitionKey,
  explicitHashKey: record.explicitHashKey,
  data: Buffer.from(record.data).toString('hex'),
});

function theirDeaggregate(partitionKey: string, data: Uint8Array): TheirRecord[] {
  let result: TheirRecord[] | undefined;
  theirs.deaggregateSync(
    { partitionKey, data: Buffer.from(data).toString('base64'), sequenceNumber: '1' },
    true,
    (error, records) => {
      if (error) throw error;
      result = records;
    },
  );
  assert.ok(result, 'aws-kinesis-agg did not answer');
  return result;
}

/** aws-kinesis-agg's RecordAggregator over the same user records. */
function theirAggregate(records: readonly UserRecord[]): ReturnType<TheirAggregator['build']> {
  const aggregator = new theirs.RecordAggregator();
  for (const record of records)
    aggregator.addUserRecord({
      partitionKey: record.partitionKey,
      ...(record.explicitHashKey === undefined ? {} : { explicitHashKey: record.explicitHashKey }),
      data: Buffer.from(record.data),
    });
  return aggregator.build();
}

describe('interoperability with aws-kinesis-agg 4.2.8', () => {
  test('their aggregates de-aggregate here byte-exact, with and without explicit hash keys', () => {
    fc.assert(
      fc.property(recordsArbitrary, (records) => {
        const built = theirAggregate(records);
        const back = deaggregate(built.data, built.partitionKey, built.ExplicitHashKey);
        assert.deepEqual(back.map(fields), records.map(fields));
        assert.ok(back.every((record, index) => record.aggregated && record.subSequenceNumber === index));
      }),
      { seed, numRuns: 100 },
    );
  });

  test('our aggregates de-aggregate there byte-exact, with and without explicit hash keys', () => {
    fc.assert(
      fc.property(recordsArbitrary, (records) => {
        const aggregate = encodeAggregate(records);
        const back = theirDeaggregate(aggregate.partitionKey, aggregate.data);
        // Their decoder reads an absent explicit_hash_key_index as protobufjs's default 0, so a record
        // without a hash key reports the table's first entry when the table is not empty: we compare
        // the hash key only where one was set, or where the table is empty.
        const tableEmpty = records.every((record) => record.explicitHashKey === undefined);
        assert.deepEqual(
          back.map((record, index) => ({
            partitionKey: record.partitionKey,
            explicitHashKey:
              records[index]?.explicitHashKey !== undefined || tableEmpty ? record.explicitPartitionKey : undefined,
            data: Buffer.from(record.data, 'base64').toString('hex'),
          })),
          records.map(fields),
        );
        assert.deepEqual(
          back.map((record) => record.subSequenceNumber),
          records.map((_, index) => index),
        );
      }),
      { seed, numRuns: 100 },
    );
  });

  test('their encoding of the same records is byte-identical to ours', () => {
    fc.assert(
      fc.property(recordsArbitrary, (records) => {
        assert.deepEqual(new Uint8Array(theirAggregate(records).data), encodeAggregate(records).data);
      }),
      { seed, numRuns: 50 },
    );
  });
});

describe('an aggregate through a real Tributary server', () => {
  let server: ServerProcess;
  let kinesis: KinesisClient;
  before(async () => {
    server = await startServerProcess({ inMemory: true });
    kinesis = kinesisClient(server.url);
  });
  after(async () => {
    kinesis?.destroy();
    await server?.stop();
  });

  test('PutRecords stores it on the first record’s shard and GetRecords returns it whole, de-aggregating to every user record', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'agg', ShardCount: 4 }));
    const records: UserRecord[] = Array.from({ length: 300 }, (_, index) => ({
      partitionKey: `user-${index % 17}`,
      ...(index % 5 === 0 ? { explicitHashKey: ((hashKeyMax / 300n) * BigInt(index)).toString() } : {}),
      data: new TextEncoder().encode(`event ${index} ${'x'.repeat(index % 50)}`),
    }));
    const aggregator = new Aggregator();
    for (const record of records) assert.ok(aggregator.add(record));
    const aggregate = aggregator.take();
    assert.ok(aggregate?.aggregated);
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'agg',
        Records: [
          { Data: aggregate.data, PartitionKey: aggregate.partitionKey, ExplicitHashKey: aggregate.explicitHashKey },
        ],
      }),
    );
    const shardId = put.Records?.[0]?.ShardId;
    assert.ok(shardId);
    // The first record's hash key decides the shard: four even shards, so the top two bits.
    const expectedShardIndex = Number(effectiveHashKey(records[0] as UserRecord) >> 126n);
    assert.equal(shardId, `shardId-${String(expectedShardIndex).padStart(12, '0')}`);
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'agg', ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    assert.equal(got.Records?.length, 1);
    const stored = got.Records?.[0];
    assert.ok(stored?.Data && stored.PartitionKey);
    assert.equal(stored.SequenceNumber, put.Records?.[0]?.SequenceNumber);
    const back = deaggregate(stored.Data, stored.PartitionKey);
    assert.deepEqual(back.map(fields), records.map(fields));
  });
});
