import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type InProcessStreams,
  inProcessLineageCalls,
  startInProcessStreams,
} from '../../testing/in-process-streams.js';
import { assertReadExactlyOnceInOrder, readByLineage } from '../../testing/lineage-reader.js';
import { evenRanges } from './hash-keys.js';
import { medianSplitKey, type OnDemandScalingConfig } from './on-demand-scaler.js';
import { isOpen, type ShardState } from './state.js';

/** Small thresholds so a test drives a shard over "capacity" with a few thousand records. */
const scaling: OnDemandScalingConfig = {
  splitRecordsPerSecond: 100,
  splitBytesPerSecond: 1_000_000_000,
  windowMs: 10_000,
  mergeQuietMs: 60_000,
  checkIntervalMs: 0,
};

const firstQuarter = evenRanges(4)[0] ?? { start: 0n, end: 0n };

const shard = (start: bigint, end: bigint): ShardState => ({
  index: 0,
  shardId: 'shardId-000000000000',
  startingHashKey: start.toString(),
  endingHashKey: end.toString(),
  epochMs: 0,
});

describe('medianSplitKey', () => {
  test('splits at the median of the sampled hash keys, so each child gets half the recent records', () => {
    const keys = [10n, 20n, 30n, 40n, 1000n, 2000n];
    assert.equal(medianSplitKey(shard(0n, 10_000n), keys), 40n);
  });
  test('ignores sampled keys outside the shard, and splits an unsampled shard in the middle', () => {
    assert.equal(medianSplitKey(shard(100n, 200n), [5n, 150n, 160n, 9999n]), 160n);
    assert.equal(medianSplitKey(shard(0n, 100n), []), 50n);
  });
  test('cannot split a shard whose traffic is one hash key (one hot partition key)', () => {
    assert.equal(medianSplitKey(shard(0n, 10_000n), [77n, 77n, 77n]), undefined);
  });
  test('moves a median that is the lowest sampled key past it, and keeps AWS split rule', () => {
    assert.equal(medianSplitKey(shard(0n, 10_000n), [5n, 5n, 5n, 9n]), 9n);
    assert.equal(medianSplitKey(shard(0n, 10_000n), [0n, 0n, 1n, 1n]), 2n);
  });
});

describe('the on-demand scaler', () => {
  let streams: InProcessStreams;
  const acknowledged = new Map<string, string[]>();
  let written = 0;

  /** Writes one second's worth of records into the first quarter of the hash space, in key order. */
  async function writeSecond(recordsPerSecond: number): Promise<void> {
    streams.clock.nowMs += 1000;
    const width = firstQuarter.end - firstQuarter.start;
    const records = Array.from({ length: recordsPerSecond }, (_, index) => {
      const key = `key-${index % 50}`;
      const hashKey = firstQuarter.start + (width * BigInt(index % 50)) / 50n;
      return { PartitionKey: key, ExplicitHashKey: hashKey.toString(), Data: Buffer.from(`record-${written++}`) };
    });
    const answer = await streams.call('PutRecords', { StreamName: 'auto', Records: records });
    assert.equal(answer.FailedRecordCount, 0);
    for (const record of records) {
      const list = acknowledged.get(record.PartitionKey) ?? [];
      list.push(record.Data.toString('utf8'));
      acknowledged.set(record.PartitionKey, list);
    }
  }

  const openShards = (): ShardState[] => (streams.service.context.registry.find('auto')?.shards ?? []).filter(isOpen);

  before(async () => {
    streams = await startInProcessStreams({ onDemandScaling: scaling });
    await streams.call('CreateStream', { StreamName: 'auto', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await streams.waitForStatus('auto', 'ACTIVE');
  });
  after(async () => {
    await streams.close();
  });

  test('leaves a shard alone until it has averaged more than its capacity over a full window', async () => {
    for (let second = 0; second < 5; second++) await writeSecond(300);
    assert.deepEqual(await streams.service.scaler.tick(), [], 'the stream is younger than one window');
    streams.clock.nowMs += 20_000;
    await writeSecond(100);
    assert.deepEqual(await streams.service.scaler.tick(), [], '100 records in 10 s is far below 100 records/s');
  });

  test('splits a hot shard at the median of its recent hash keys', async () => {
    for (let second = 0; second < 10; second++) await writeSecond(150);
    const decisions = await streams.service.scaler.tick();
    assert.equal(decisions.length, 1);
    const [split] = decisions;
    assert.ok(split?.kind === 'split');
    assert.equal(split.shardId, 'shardId-000000000000');
    assert.deepEqual(split.children, ['shardId-000000000004', 'shardId-000000000005']);
    const width = firstQuarter.end - firstQuarter.start;
    assert.equal(split.at, firstQuarter.start + (width * 25n) / 50n, 'the median of 50 evenly spread keys');
    assert.equal(openShards().length, 5);
    assert.deepEqual((await streams.service.scaler.tick()).length, 0, 'the children have not run for a window yet');
  });

  test('merges a cold adjacent pair once both stayed quiet, and never below four shards', async () => {
    // Shards 1, 2 and 3 have had no writes since the stream was created, 36 s before the split.
    streams.clock.nowMs += scaling.windowMs;
    assert.deepEqual(await streams.service.scaler.tick(), [], 'quiet for 46 s, not the 60 s required');
    streams.clock.nowMs += 15_000;
    const decisions = await streams.service.scaler.tick();
    assert.deepEqual(decisions, [
      {
        kind: 'merge',
        stream: 'auto',
        shardIds: ['shardId-000000000001', 'shardId-000000000002'],
        child: 'shardId-000000000006',
      },
    ]);
    assert.equal(openShards().length, 4);
    streams.clock.nowMs += 10 * scaling.mergeQuietMs;
    assert.deepEqual(await streams.service.scaler.tick(), [], 'an ON_DEMAND stream keeps its initial four shards');
  });

  test('lost and reordered nothing: a lineage reader reads every record once, each key in order', async () => {
    const summary = await streams.call('DescribeStreamSummary', { StreamName: 'auto' });
    assert.equal((summary.StreamDescriptionSummary as { OpenShardCount: number }).OpenShardCount, 4);
    const read = await readByLineage(inProcessLineageCalls(streams, 'auto'));
    assert.equal(read.records.length, written);
    assertReadExactlyOnceInOrder(read, acknowledged);
  });

  test('keeps splitting while writes continue during the split', async () => {
    streams.clock.nowMs += scaling.windowMs;
    // The first quarter is two shards now (the split's children): 300 records/s give each 150.
    for (let second = 0; second < 10; second++) await writeSecond(300);
    const during = writeSecond(300);
    const [decisions] = await Promise.all([streams.service.scaler.tick(), during]);
    assert.equal(decisions[0]?.kind, 'split');
    const read = await readByLineage(inProcessLineageCalls(streams, 'auto'));
    assert.equal(read.records.length, written);
    assertReadExactlyOnceInOrder(read, acknowledged);
  });
});
