/**
 * The Producer with KPL aggregation, and through resharding, against a real server: fewer Kinesis
 * records than user records, every user record back by de-aggregation in per-key order, and a
 * SplitShard in the middle of a run refreshing the shard map without losing anything.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { deaggregate, effectiveHashKey, Producer, type PutResult } from '../index.js';
import {
  createStream,
  readStream,
  type StoredRecord,
  seededRandom,
  text,
  useTestServer,
  waitFor,
} from './test-support.js';

interface ReadBack {
  readonly position: string;
  readonly partitionKey: string;
  readonly data: string;
}

/**
 * De-aggregates what a shard holds as KCL does: an aggregate holding a record outside the shard's
 * hash-key range was misplaced by a stale shard map and is skipped (the producer sent its records
 * again).
 */
function userRecordsOf(stored: readonly StoredRecord[]): ReadBack[] {
  return stored.flatMap((record) => {
    const users = deaggregate(record.data, record.partitionKey);
    const misplaced = users.some((user) => {
      const hashKey = effectiveHashKey(user);
      return user.aggregated && (hashKey < record.startingHashKey || hashKey > record.endingHashKey);
    });
    if (misplaced) return [];
    return users.map((user) => ({
      position: `${record.shardId}/${record.sequenceNumber}/${user.aggregated ? user.subSequenceNumber : '-'}`,
      partitionKey: user.partitionKey,
      data: text(user.data),
    }));
  });
}

function assertPerKeyOrder(records: readonly ReadBack[]): void {
  const lastIndex = new Map<string, number>();
  for (const record of records) {
    const index = Number(record.data.split(' ')[1]);
    const previous = lastIndex.get(record.partitionKey) ?? -1;
    assert.ok(index > previous, `${record.partitionKey}: ${index} after ${previous}`);
    lastIndex.set(record.partitionKey, index);
  }
}

describe('Producer with aggregation', () => {
  const server = useTestServer();

  test('packs user records into far fewer Kinesis records; de-aggregating the stream gives every one back, in per-key order', async () => {
    await createStream(server().kinesis, 'aggregated', 4);
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'aggregated',
      aggregation: true,
      ordering: 'per-key',
      lingerMs: 20,
      random: seededRandom(5),
    });
    const count = 5_000;
    const filler = 'x'.repeat(90);
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        producer.put({ partitionKey: `key-${index % 40}`, data: `record ${index} ${filler}` }),
      ),
    );
    await producer.close();
    const metrics = producer.metrics();
    assert.equal(metrics.userRecordsPut, count);
    assert.ok(metrics.kinesisRecordsPut * 10 < count, `${metrics.kinesisRecordsPut} Kinesis records for ${count}`);
    assert.ok(metrics.aggregationRatio > 10);

    const stored = await readStream(server().kinesis, 'aggregated');
    assert.equal(stored.length, metrics.kinesisRecordsPut);
    const users = userRecordsOf(stored);
    assert.equal(users.length, count);
    assertPerKeyOrder(users);
    // Each put resolved with the position its record really has.
    const byPosition = new Map(users.map((user) => [user.position, user.data]));
    results.forEach((result: PutResult, index) => {
      const position = `${result.shardId}/${result.sequenceNumber}/${result.subSequenceNumber ?? '-'}`;
      assert.equal(byPosition.get(position), `record ${index} ${filler}`);
    });
  });

  test('a record too big to aggregate goes alone, beside aggregates', async () => {
    await createStream(server().kinesis, 'mixed', 1);
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'mixed',
      aggregation: true,
      lingerMs: 600_000,
    });
    const small = Array.from({ length: 20 }, (_, index) =>
      producer.put({ partitionKey: `s${index}`, data: `record ${index}` }),
    );
    const big = producer.put({ partitionKey: 'big', data: new Uint8Array(1_048_576 - 3).fill(1) });
    await producer.flush();
    const [bigResult, ...smallResults] = await Promise.all([big, ...small]);
    await producer.close();
    assert.equal(bigResult?.subSequenceNumber, undefined);
    assert.ok(smallResults.every((result) => result.subSequenceNumber !== undefined));
    const stored = await readStream(server().kinesis, 'mixed');
    assert.equal(stored.length, 2);
    assert.equal(userRecordsOf(stored).length, 21);
  });
});

describe('Producer through resharding', () => {
  const server = useTestServer();

  for (const aggregation of [false, true]) {
    test(`a SplitShard mid-run refreshes the shard map and loses nothing (aggregation ${aggregation ? 'on' : 'off'})`, async () => {
      const stream = `reshard-${aggregation}`;
      await createStream(server().kinesis, stream, 2);
      const producer = new Producer({
        kinesis: server().kinesis,
        streamName: stream,
        aggregation,
        ordering: 'per-key',
        lingerMs: 2,
        maxBufferedRecords: 200,
        random: seededRandom(6),
      });
      const count = 3_000;
      let acknowledged = 0;
      const results: Promise<PutResult>[] = [];
      let split: Promise<unknown> | undefined;
      for (let index = 0; index < count; index++) {
        const { result } = await producer.enqueue({ partitionKey: `key-${index % 25}`, data: `record ${index}` });
        results.push(
          result.then((value) => {
            acknowledged++;
            return value;
          }),
        );
        if (index === 1_000) {
          await waitFor(() => acknowledged >= 500, '500 acknowledged before the split');
          // Split shard 0 at a quarter of the hash-key space: both halves get records.
          split = server().kinesis.send(
            new SplitShardCommand({
              StreamName: stream,
              ShardToSplit: 'shardId-000000000000',
              NewStartingHashKey: (1n << 126n).toString(),
            }),
          );
        }
      }
      await split;
      const settled = await Promise.all(results);
      await producer.close();
      const metrics = producer.metrics();
      assert.equal(metrics.failedRecords, 0);
      assert.ok(metrics.shardMapRefreshes >= 2, `refreshes: ${metrics.shardMapRefreshes}`);
      const shardsUsed = new Set(settled.map((result) => result.shardId));
      assert.ok(
        shardsUsed.has('shardId-000000000002') && shardsUsed.has('shardId-000000000003'),
        [...shardsUsed].join(),
      );
      const users = userRecordsOf(await readStream(server().kinesis, stream));
      assert.deepEqual(
        users.map((user) => user.data).sort(),
        Array.from({ length: count }, (_, index) => `record ${index}`).sort(),
      );
      // Parents before children, then per key in order: read order across a split is parent first.
      assertPerKeyOrder(users);
    });
  }
});
