/**
 * Consumer suite, part two: what records look like — resharding and per-key order, KPL
 * aggregates (ours, the Producer's, aws-kinesis-agg's), processor failures and shard ends
 * (see consumer-suite.ts).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { MergeShardsCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { ContinuousWriter } from '@tributary/server/dist/testing/continuous-writer.js';
import { waitForActive } from '@tributary/server/dist/testing/streams.js';
import { effectiveHashKey, encodeAggregate, type UserRecord } from '../aggregation/index.js';
import { Producer } from '../producer/index.js';
import {
  assertKeyOrder,
  assertOrderedPerShard,
  keyOfWritten,
  numberedRecords,
  ProcessingLog,
  putAll,
  waitFor,
  writtenPerKey,
} from '../testing/consumer-harness.js';
import type { SuiteContext } from './consumer-suite.js';

const half = 1n << 127n;

interface AwsKinesisAggAggregator {
  addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
  build(): { partitionKey: string; data: Buffer; ExplicitHashKey?: string };
}
const awsKinesisAgg = createRequire(import.meta.url)('aws-kinesis-agg') as {
  RecordAggregator: new () => AwsKinesisAggAggregator;
};

export function recordTests(context: SuiteContext): void {
  test('resharding during consumption (split, then merge) keeps every key in order and loses nothing', async () => {
    const client = context.client();
    const streamName = await context.newStream(2);
    const applicationName = `app-reshard-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const log = new ProcessingLog();
    const common = { streamName, applicationName, store, checkpointEvery: { records: 10 } };
    const a = await context.worker(log, { ...common, workerId: 'a' });
    const b = await context.worker(log, { ...common, workerId: 'b' });
    const writer = new ContinuousWriter(client, streamName, { keyCount: 16, loopCount: 2 });
    try {
      await writer.progress(150);
      await client.send(
        new SplitShardCommand({
          StreamName: streamName,
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: (half / 2n).toString(),
        }),
      );
      await waitForActive(client, streamName);
      await writer.progress(150);
      // shardId-000000000003 (upper half of shard 0's range) and shardId-000000000001 are adjacent.
      await client.send(
        new MergeShardsCommand({
          StreamName: streamName,
          ShardToMerge: 'shardId-000000000003',
          AdjacentShardToMerge: 'shardId-000000000001',
        }),
      );
      await waitForActive(client, streamName);
      await writer.progress(150);
    } finally {
      await writer.stop();
    }
    const total = [...writer.acknowledged.values()].reduce((sum, list) => sum + list.length, 0);
    await waitFor(() => log.distinctData().size === total, 'every acknowledged record processed', {
      detail: () => `${log.distinctData().size}/${total}`,
    });
    const finishedLeases = async (): Promise<string[]> =>
      (await store.listLeases())
        .filter((lease) => lease.checkpoint === 'SHARD_END')
        .map((lease) => lease.leaseKey)
        .sort();
    await waitFor(async () => (await finishedLeases()).length === 3, 'the three parent shards to finish');
    await context.stopped(a);
    await context.stopped(b);
    assertKeyOrder(log.data(), writer.acknowledged, (data) => data.split('#')[0] ?? '');
    assert.deepEqual(await finishedLeases(), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000003']);
    const leases = await store.listLeases();
    assert.deepEqual(
      leases
        .find((lease) => lease.leaseKey === 'shardId-000000000004')
        ?.parentShardIds.slice()
        .sort(),
      ['shardId-000000000001', 'shardId-000000000003'],
    );
  });

  test('KPL aggregates (ours and aws-kinesis-agg’s) are de-aggregated; an aggregate holding records routed outside the shard is dropped whole', async () => {
    const client = context.client();
    const streamName = await context.newStream(2);
    const applicationName = `app-aggregates-${context.mode}`;
    const users = Array.from(
      { length: 60 },
      (_, index): UserRecord => ({ partitionKey: `user-${index}`, data: Buffer.from(`u-${index}`) }),
    );
    const lower = users.filter((user) => effectiveHashKey(user) < half);
    const upper = users.filter((user) => effectiveHashKey(user) >= half);
    assert.ok(lower.length >= 10 && upper.length >= 10, 'keys fall on both shards');
    const ours = encodeAggregate(lower.slice(0, 10));
    const theirs = new awsKinesisAgg.RecordAggregator();
    for (const user of upper.slice(0, 10))
      theirs.addUserRecord({ partitionKey: user.partitionKey, data: Buffer.from(user.data) });
    const theirAggregate = theirs.build();
    // A stale aggregate: put on the lower shard though half its records route to the upper one.
    // KCL drops it whole (its producer, like KPL, has put every one of its records again).
    const mixed = encodeAggregate([...lower.slice(10, 15), ...upper.slice(10, 15)]);
    await putAll(client, streamName, [
      {
        partitionKey: ours.partitionKey,
        data: ours.data,
        ...(ours.explicitHashKey === undefined ? {} : { explicitHashKey: ours.explicitHashKey }),
      },
      { partitionKey: theirAggregate.partitionKey, data: theirAggregate.data },
      { partitionKey: mixed.partitionKey, data: mixed.data, explicitHashKey: '0' },
      // Behind the stale aggregate on the same shard: once it is processed, the aggregate was read.
      { partitionKey: 'after-stale', data: 'after-stale', explicitHashKey: '0' },
      { partitionKey: 'plain', data: 'plain-record' },
    ]);
    const log = new ProcessingLog();
    const store = await context.makeStore(applicationName);
    const consumer = await context.worker(log, { streamName, applicationName, workerId: 'w1', store });
    const expected = [...lower.slice(0, 10), ...upper.slice(0, 10)].map((user) =>
      Buffer.from(user.data).toString('utf8'),
    );
    await waitFor(
      () =>
        expected.every((data) => log.distinctData().has(data)) &&
        log.distinctData().has('plain-record') &&
        log.distinctData().has('after-stale'),
      'every user record',
    );
    // `after-stale` was processed, so the stale aggregate before it on its shard was read.
    await context.stopped(consumer);
    assert.deepEqual(
      log.data().sort(),
      [...expected, 'plain-record', 'after-stale'].sort(),
      'the stale aggregate was dropped whole',
    );
    const ourRecords = log.records.filter((record) =>
      lower.slice(0, 10).some((user) => user.partitionKey === record.partitionKey),
    );
    assert.deepEqual(
      ourRecords.map((record) => record.subSequenceNumber),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.ok(ourRecords.every((record) => record.aggregated));
    assert.equal(log.records.find((record) => record.data === 'plain-record')?.aggregated, false);
    assertOrderedPerShard(log.records);
  });

  test('records the Producer aggregated come out one by one, at the positions the Producer reported, in per-key order', async () => {
    const client = context.client();
    const streamName = await context.newStream(2);
    const applicationName = `app-producer-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const log = new ProcessingLog();
    const consumer = await context.worker(log, { streamName, applicationName, workerId: 'w1', store });
    const producer = new Producer({
      kinesis: client,
      streamName,
      aggregation: true,
      ordering: 'per-key',
      lingerMs: 20,
    });
    const sent = Array.from({ length: 600 }, (_, index) => ({
      partitionKey: `key-${index % 12}`,
      data: `p-${index}`,
    }));
    const results = await Promise.all(sent.map((record) => producer.put(record)));
    await producer.close();
    assert.ok(producer.metrics().kinesisRecordsPut < sent.length / 5, 'the producer aggregated');
    await waitFor(() => log.distinctData().size === sent.length, 'every user record', {
      detail: () => `${log.distinctData().size}/${sent.length}`,
    });
    await context.stopped(consumer);
    assert.equal(log.records.length, sent.length, 'none twice');
    const processedAt = new Map(log.records.map((record) => [record.data, record]));
    sent.forEach((record, index) => {
      const result = results[index];
      const processed = processedAt.get(record.data);
      assert.equal(processed?.shardId, result?.shardId);
      assert.equal(processed?.sequenceNumber, result?.sequenceNumber);
      assert.equal(processed?.subSequenceNumber, result?.subSequenceNumber ?? 0);
      assert.equal(processed?.aggregated, result?.subSequenceNumber !== undefined);
    });
    assertKeyOrder(log.data(), writtenPerKey(sent), keyOfWritten(sent));
  });

  test('a checkpoint inside an aggregate resumes at the next sub-record', async () => {
    const client = context.client();
    const streamName = await context.newStream(1);
    const applicationName = `app-sub-checkpoint-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const users = Array.from(
      { length: 8 },
      (_, index): UserRecord => ({ partitionKey: `k-${index}`, data: Buffer.from(`a-${index}`) }),
    );
    const aggregate = encodeAggregate(users);
    await client.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: aggregate.partitionKey, Data: aggregate.data }),
    );
    const first = new ProcessingLog();
    const consumer = await context.worker(first, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      processor: first.processor('w1', {
        afterRecord: async (record, checkpoint) => {
          if (record.subSequenceNumber === 4) await checkpoint(record);
        },
      }),
    });
    await waitFor(() => first.records.length === 8, 'the whole aggregate');
    await context.stopped(consumer);
    assert.equal((await store.getLease('shardId-000000000000'))?.checkpointSubSequenceNumber, 4);
    const second = new ProcessingLog();
    const restarted = await context.worker(second, { streamName, applicationName, workerId: 'w2', store });
    await waitFor(() => second.records.length >= 3, 'the rest of the aggregate');
    await context.stopped(restarted);
    assert.deepEqual(second.data(), ['a-5', 'a-6', 'a-7']);
    assert.deepEqual(
      second.records.map((record) => record.subSequenceNumber),
      [5, 6, 7],
    );
  });

  test('a processRecords that fails gets the same batch again after a back-off; a bad checkpoint is refused', async () => {
    const client = context.client();
    const streamName = await context.newStream(1);
    const applicationName = `app-retry-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const written = await putAll(client, streamName, numberedRecords('r', 10, 2));
    const log = new ProcessingLog();
    const deliveries: string[][] = [];
    let refusal: unknown;
    const inner = log.processor('w1');
    const consumer = await context.worker(log, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      checkpointEvery: { records: 1 },
      processor: (shardId) => {
        const processor = inner(shardId);
        return {
          ...processor,
          processRecords: async (input) => {
            deliveries.push(input.records.map((record) => Buffer.from(record.data).toString('utf8')));
            if (deliveries.length === 1) {
              refusal = await input.checkpointer
                .checkpoint({ sequenceNumber: `${BigInt(written.at(-1)?.sequenceNumber ?? '0') + 1n}` })
                .catch((error: unknown) => error);
              throw new Error('the sink is down');
            }
            await processor.processRecords(input);
          },
        };
      },
    });
    await waitFor(() => log.distinctData().size === 10, 'every record after the retry');
    await context.stopped(consumer);
    assert.equal(
      (refusal as Error | undefined)?.name,
      'InvalidCheckpointError',
      'a record not delivered yet cannot be checkpointed',
    );
    assert.deepEqual(deliveries[1], deliveries[0], 'the failed batch came again, whole');
    const failures = log.errors().filter((event) => event.during === 'processRecords');
    assert.equal(failures.length, 1);
    assert.equal(log.records.length, 10);
  });

  test('a shard is finished only when shardEnded checkpoints; until then its children wait', async () => {
    const client = context.client();
    const streamName = await context.newStream(1);
    const applicationName = `app-shard-end-${context.mode}`;
    const store = await context.makeStore(applicationName);
    await putAll(client, streamName, numberedRecords('parent', 10, 2));
    await client.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: half.toString(),
      }),
    );
    await waitForActive(client, streamName);
    await putAll(client, streamName, numberedRecords('child', 10, 2));
    const log = new ProcessingLog();
    let shardEndedCalls = 0;
    const inner = log.processor('w1');
    const consumer = await context.worker(log, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      processor: (shardId) => ({
        ...inner(shardId),
        shardEnded: async ({ checkpointer }) => {
          // Refuses the first time: the shard must stay unfinished and shardEnded come again.
          if (++shardEndedCalls > 1) await checkpointer.checkpoint();
        },
      }),
    });
    await waitFor(() => log.distinctData().size === 20, 'parent and child records');
    await context.stopped(consumer);
    assert.equal(shardEndedCalls, 2);
    assert.equal(log.errors().filter((event) => event.during === 'shardEnded').length, 1);
    const lastParent = log.data().lastIndexOf('parent-9');
    const firstChild = log.data().findIndex((data) => data.startsWith('child'));
    assert.ok(lastParent < firstChild, 'children start after the parent finished');
    assert.equal((await store.getLease('shardId-000000000000'))?.checkpoint, 'SHARD_END');
    assert.deepEqual([...((await store.getLease('shardId-000000000000'))?.childShardIds ?? [])].sort(), [
      'shardId-000000000001',
      'shardId-000000000002',
    ]);
  });
}
