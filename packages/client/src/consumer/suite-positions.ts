/**
 * Consumer suite, part one: where processing starts and resumes — TRIM_HORIZON, checkpoints and
 * restarts, graceful stop, timed checkpoints, LATEST, AT_TIMESTAMP (see consumer-suite.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
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

export function positionTests(context: SuiteContext): void {
  test('one worker processes every record of every shard from TRIM_HORIZON, once and in order', async () => {
    const client = context.client();
    const streamName = await context.newStream(4);
    const written = await putAll(client, streamName, numberedRecords('r', 200, 20));
    const log = new ProcessingLog();
    const store = await context.makeStore(`app-all-${context.mode}`);
    const consumer = await context.worker(log, {
      streamName,
      applicationName: `app-all-${context.mode}`,
      workerId: 'w1',
      store,
    });
    await waitFor(() => log.distinctData().size === 200, 'every record processed', {
      detail: () => `${log.distinctData().size}/200`,
    });
    await context.stopped(consumer);
    assert.equal(log.records.length, 200, 'no record processed twice');
    assertOrderedPerShard(log.records);
    const shardOf = new Map(written.map((record) => [record.data, record.shardId]));
    for (const record of log.records)
      assert.equal(record.shardId, shardOf.get(record.data), `${record.data} came from its shard`);
    assertKeyOrder(log.data(), writtenPerKey(written), keyOfWritten(written));
    assert.deepEqual(log.errors(), []);
  });

  test('a restarted application resumes right after each shard’s last checkpoint', async () => {
    const client = context.client();
    const streamName = await context.newStream(2);
    const applicationName = `app-restart-${context.mode}`;
    const store = await context.makeStore(applicationName);
    await putAll(client, streamName, numberedRecords('r', 60, 6));
    const first = new ProcessingLog();
    let counted = 0;
    // Checkpoints every 7th record processed, explicitly; no final checkpoint on stop.
    const consumer = await context.worker(first, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      processor: first.processor('w1', {
        afterRecord: async (record, checkpoint) => {
          if (++counted % 7 === 0) await checkpoint(record);
        },
      }),
    });
    await waitFor(() => first.distinctData().size === 60, 'the first run processed everything');
    await context.stopped(consumer);
    const lastCheckpoint = new Map<string, bigint>();
    for (const event of first.events)
      if (event.type === 'checkpointed') lastCheckpoint.set(event.shardId, BigInt(event.checkpoint));
    const more = await putAll(client, streamName, numberedRecords('s', 20, 6));
    const second = new ProcessingLog();
    const restarted = await context.worker(second, { streamName, applicationName, workerId: 'w2', store });
    await waitFor(
      () => more.every((record) => second.distinctData().has(record.data)),
      'the second run processed the new records',
    );
    await context.stopped(restarted);
    // Exactly what follows each shard's checkpoint: no gap, and repeats only after the checkpoint.
    for (const record of second.records) {
      const checkpoint = lastCheckpoint.get(record.shardId);
      if (checkpoint !== undefined)
        assert.ok(BigInt(record.sequenceNumber) > checkpoint, `${record.data} was after the checkpoint`);
    }
    const expected = first.records
      .filter((record) => BigInt(record.sequenceNumber) > (lastCheckpoint.get(record.shardId) ?? -1n))
      .map((record) => record.data)
      .concat(more.map((record) => record.data))
      .sort();
    assert.deepEqual(second.data().sort(), expected);
    const repeats = second.records.length - more.length;
    assert.ok(repeats <= 2 * 6, `at most 6 repeats per shard (checkpoint every 7th record), got ${repeats}`);
  });

  test('graceful stop writes a final checkpoint and releases the lease: a waiting worker takes it at once and repeats nothing', async () => {
    const client = context.client();
    // One shard: worker b, started second, holds its share (none) and steals nothing.
    const streamName = await context.newStream(1);
    const applicationName = `app-graceful-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const log = new ProcessingLog();
    const written = await putAll(client, streamName, numberedRecords('r', 40, 4));
    const slowFailoverMs = 9000;
    const common = {
      streamName,
      applicationName,
      store,
      failoverTimeMs: slowFailoverMs,
      checkpointEvery: { records: 1000 },
    };
    const a = await context.worker(log, { ...common, workerId: 'a' });
    await waitFor(() => log.distinctData().size === 40, 'worker a processed everything');
    const b = await context.worker(log, { ...common, workerId: 'b' });
    assert.deepEqual(b.heldShardIds(), [], 'b takes nothing while a holds the lease');
    const stopStartMs = Date.now();
    await context.stopped(a);
    const lease = await store.getLease('shardId-000000000000');
    assert.equal(
      lease?.checkpoint,
      written.at(-1)?.sequenceNumber,
      'the final checkpoint is the last record processed',
    );
    await waitFor(() => b.heldShardIds().length === 1, 'worker b holds the lease', { timeoutMs: slowFailoverMs });
    const handoverMs = Date.now() - stopStartMs;
    assert.ok(
      handoverMs < slowFailoverMs,
      `taken over in ${handoverMs} ms, before the failover time (${slowFailoverMs} ms)`,
    );
    const more = await putAll(client, streamName, numberedRecords('s', 20, 4));
    await waitFor(
      () => more.every((record) => log.distinctData().has(record.data)),
      'worker b processed the new records',
    );
    await context.stopped(b);
    assert.equal(log.records.length, 60, 'nothing was processed twice');
    assert.ok(
      log.events.some((event) => event.type === 'leaseReleased' && event.workerId === 'a'),
      'a released its lease',
    );
  });

  test('checkpointEvery.ms checkpoints what an idle shard processed, within the interval', async () => {
    const client = context.client();
    const streamName = await context.newStream(1);
    const applicationName = `app-timed-${context.mode}`;
    const store = await context.makeStore(applicationName);
    const written = await putAll(client, streamName, numberedRecords('r', 5, 1));
    const log = new ProcessingLog();
    const consumer = await context.worker(log, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      checkpointEvery: { records: 1000, ms: 300 },
    });
    await waitFor(() => log.distinctData().size === 5, 'the records');
    // Well under both the fan-out heartbeat (5 s) and the test subscriptions' lifetime (3 s).
    await waitFor(
      async () => (await store.getLease('shardId-000000000000'))?.checkpoint === written.at(-1)?.sequenceNumber,
      'the timed checkpoint',
      {
        timeoutMs: 2000,
      },
    );
    await context.stopped(consumer);
  });

  test('LATEST starts at the tip of each shard (stream named by ARN)', async () => {
    const client = context.client();
    const streamName = await context.newStream(2);
    const applicationName = `app-latest-${context.mode}`;
    await putAll(client, streamName, numberedRecords('old', 20, 4));
    const log = new ProcessingLog();
    const store = await context.makeStore(applicationName);
    const consumer = await context.worker(log, {
      streamName,
      byArn: true,
      applicationName,
      workerId: 'w1',
      store,
      initialPosition: 'LATEST',
    });
    // Whether a shard's reader has reached the tip cannot be seen from outside: write probes to
    // both shards until each shard delivered one, then the records under test.
    await waitFor(async () => {
      await putAll(client, streamName, [
        { partitionKey: 'probe', data: 'probe', explicitHashKey: '0' },
        { partitionKey: 'probe', data: 'probe', explicitHashKey: half.toString() },
      ]);
      return (
        new Set(log.records.filter((record) => record.data === 'probe').map((record) => record.shardId)).size === 2
      );
    }, 'both shards to read from the tip');
    const fresh = await putAll(client, streamName, numberedRecords('new', 20, 4));
    await waitFor(() => fresh.every((record) => log.distinctData().has(record.data)), 'the new records');
    await context.stopped(consumer);
    assert.deepEqual(
      log.data().filter((data) => data.startsWith('old')),
      [],
      'nothing written before the start',
    );
  });

  test('AT_TIMESTAMP starts at the first record that arrived at or after the timestamp', async () => {
    const client = context.client();
    const streamName = await context.newStream(1);
    const applicationName = `app-timestamp-${context.mode}`;
    await putAll(client, streamName, numberedRecords('before', 10, 2));
    await new Promise((resolve) => setTimeout(resolve, 30)); // separates the two groups' arrival times
    await putAll(client, streamName, numberedRecords('after', 10, 2));
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const all = await client.send(new GetRecordsCommand({ ShardIterator }));
    const timestamp = all.Records?.[10]?.ApproximateArrivalTimestamp;
    assert.ok(timestamp instanceof Date);
    const log = new ProcessingLog();
    const store = await context.makeStore(applicationName);
    const consumer = await context.worker(log, {
      streamName,
      applicationName,
      workerId: 'w1',
      store,
      initialPosition: { timestamp },
    });
    await waitFor(() => log.distinctData().size === 10, 'the ten later records');
    await context.stopped(consumer);
    assert.deepEqual(
      log.data(),
      numberedRecords('after', 10, 2).map((record) => record.data),
    );
  });
}
