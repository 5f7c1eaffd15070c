/**
 * A metadata write that fails (a full disk, an I/O error) fails the request and changes nothing:
 * the stream in memory stays equal to what the store holds, so what clients see before a restart
 * is what they see after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { MetaStore } from '../../storage/ports.js';
import { type InProcessStreams, startInProcessStreams } from '../../testing/in-process-streams.js';
import { streamKeyPrefix } from './state.js';

class FailingWrites extends Error {}

/** Passes everything through until `failing` is set; then every put and remove rejects. */
function failSwitch(meta: MetaStore): { meta: MetaStore; set(failing: boolean): void } {
  let failing = false;
  const wrapped: MetaStore = {
    get: (key) => meta.get(key),
    list: (prefix) => meta.list(prefix),
    put: (key, value, expected) =>
      failing ? Promise.reject(new FailingWrites(`injected write failure: ${key}`)) : meta.put(key, value, expected),
    remove: (key, expected) =>
      failing ? Promise.reject(new FailingWrites(`injected remove failure: ${key}`)) : meta.remove(key, expected),
    close: () => meta.close(),
  };
  return { meta: wrapped, set: (value) => (failing = value) };
}

const streamName = 'failed-writes';

describe('a failed metadata write changes nothing', () => {
  let streams: InProcessStreams;
  let writes: ReturnType<typeof failSwitch>;

  before(async () => {
    streams = await startInProcessStreams(
      {},
      {
        wrapMeta: (meta) => {
          writes = failSwitch(meta);
          return writes.meta;
        },
      },
    );
    await streams.call('CreateStream', { StreamName: streamName, ShardCount: 2 });
    await streams.waitForStatus(streamName, 'ACTIVE');
    await streams.call('AddTagsToStream', { StreamName: streamName, Tags: { team: 'data' } });
  });
  after(async () => {
    writes.set(false);
    await streams.close();
  });

  /** What clients can observe of the stream, and what the store holds of it. */
  async function observed(): Promise<{ seen: unknown; stored: unknown; live: unknown }> {
    const summary = await streams.call('DescribeStreamSummary', { StreamName: streamName });
    const shards = await streams.call('ListShards', { StreamName: streamName });
    const tags = await streams.call('ListTagsForStream', { StreamName: streamName });
    const description = summary.StreamDescriptionSummary as Record<string, unknown>;
    return {
      seen: { ...description, shards: shards.Shards, tags: tags.Tags },
      stored: writes.meta.get(streamKeyPrefix + streamName)?.value,
      live: JSON.parse(JSON.stringify(streams.service.context.registry.find(streamName))),
    };
  }

  const changes: Array<[string, Record<string, unknown>]> = [
    ['AddTagsToStream', { Tags: { owner: 'ops' } }],
    ['RemoveTagsFromStream', { TagKeys: ['team'] }],
    ['IncreaseStreamRetentionPeriod', { RetentionPeriodHours: 48 }],
    ['DecreaseStreamRetentionPeriod', { RetentionPeriodHours: 24 }],
    ['UpdateMaxRecordSize', { MaxRecordSizeInKiB: 2048 }],
    ['EnableEnhancedMonitoring', { ShardLevelMetrics: ['ALL'] }],
    ['StartStreamEncryption', { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }],
    ['SplitShard', { ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '1000' }],
    ['UpdateShardCount', { TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }],
    ['UpdateStreamMode', { StreamModeDetails: { StreamMode: 'ON_DEMAND' } }],
    ['DeleteStream', {}],
  ];

  for (const [operation, input] of changes) {
    test(`${operation}: the request fails, the stream is as before, and the store agrees with memory`, async () => {
      if (operation === 'DecreaseStreamRetentionPeriod') {
        await streams.call('IncreaseStreamRetentionPeriod', { StreamName: streamName, RetentionPeriodHours: 72 });
      }
      if (operation === 'UpdateStreamMode') {
        const summary = await streams.call('DescribeStreamSummary', { StreamName: streamName });
        const arn = (summary.StreamDescriptionSummary as { StreamARN: string }).StreamARN;
        Object.assign(input, { StreamARN: arn });
      }
      const beforeChange = await observed();
      assert.deepEqual(beforeChange.live, beforeChange.stored, 'memory and store agree before the change');
      writes.set(true);
      try {
        await assert.rejects(
          streams.call(operation, operation === 'UpdateStreamMode' ? input : { StreamName: streamName, ...input }),
          FailingWrites,
        );
      } finally {
        writes.set(false);
      }
      const afterFailure = await observed();
      assert.deepEqual(afterFailure.seen, beforeChange.seen, `${operation} left what clients see unchanged`);
      assert.deepEqual(afterFailure.live, afterFailure.stored, `${operation} left memory equal to the store`);
      assert.equal(streams.service.context.registry.find(streamName)?.status, 'ACTIVE');
    });
  }

  test('after all the failures the same changes succeed', async () => {
    await streams.call('AddTagsToStream', { StreamName: streamName, Tags: { owner: 'ops' } });
    await streams.call('SplitShard', {
      StreamName: streamName,
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: '1000',
    });
    await streams.waitForStatus(streamName, 'ACTIVE');
    const now = await observed();
    assert.deepEqual(now.live, now.stored);
    assert.deepEqual((now.seen as { tags: unknown[] }).tags, [
      { Key: 'owner', Value: 'ops' },
      { Key: 'team', Value: 'data' },
    ]);
    assert.equal((now.seen as { shards: unknown[] }).shards.length, 4, 'two shards, one split into two');
  });
});

/** Holds every put while `holding`, until `release()` lets them through in the order they came. */
function putGate(meta: MetaStore): {
  meta: MetaStore;
  hold(): void;
  release(): Promise<void>;
  held(): Array<{ key: string; value: unknown }>;
} {
  let holding = false;
  let queue: Array<{ key: string; value: unknown; go: () => void }> = [];
  const wrapped: MetaStore = {
    get: (key) => meta.get(key),
    list: (prefix) => meta.list(prefix),
    put: async (key, value, expected) => {
      if (holding) {
        // The value as it was when the put was made (the store serializes at the call).
        const snapshot: unknown = JSON.parse(JSON.stringify(value));
        await new Promise<void>((go) => queue.push({ key, value: snapshot, go }));
        return meta.put(key, snapshot, expected);
      }
      return meta.put(key, value, expected);
    },
    remove: (key, expected) => meta.remove(key, expected),
    close: () => meta.close(),
  };
  return {
    meta: wrapped,
    hold: () => {
      holding = true;
    },
    release: async () => {
      holding = false;
      const waiting = queue;
      queue = [];
      for (const entry of waiting) {
        entry.go();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    held: () => queue.map(({ key, value }) => ({ key, value })),
  };
}

describe('metadata writes of one stream run one at a time', () => {
  test('a tag added while a split completes is stored with the split, not instead of it', async () => {
    let gate: ReturnType<typeof putGate> | undefined;
    const streams = await startInProcessStreams(
      { updateStreamMs: 60_000 },
      {
        wrapMeta: (meta) => {
          gate = putGate(meta);
          return gate.meta;
        },
      },
    );
    try {
      const name = 'split-and-tag';
      await streams.call('CreateStream', { StreamName: name, ShardCount: 1 });
      await streams.waitForStatus(name, 'ACTIVE');
      await streams.call('SplitShard', {
        StreamName: name,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      });
      const g = gate ?? assert.fail('the store was wrapped');
      // The split completes when its UPDATING time is over: move the clock and let the registry
      // schedule the completion again, as its timer would at that time.
      streams.clock.nowMs += 60_000;
      await streams.service.context.registry.save(streams.service.context.registry.find(name) ?? assert.fail());
      // The completion runs from a zero-delay timer, after this: its commit's write is held.
      g.hold();
      for (let poll = 0; poll < 1000 && !g.held().some(({ key }) => key === streamKeyPrefix + name); poll++) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const [commitWrite] = g.held();
      assert.equal((commitWrite?.value as { status?: string } | undefined)?.status, 'ACTIVE', 'the commit is held');
      // A request that may run while the stream is UPDATING changes it meanwhile.
      const tagging = streams.call('AddTagsToStream', { StreamName: name, Tags: { team: 'data' } });
      await new Promise((resolve) => setImmediate(resolve));
      await g.release();
      await tagging;
      await streams.waitForStatus(name, 'ACTIVE');
      const stored = g.meta.get<{ shards: unknown[]; tags: Record<string, string>; status: string }>(
        streamKeyPrefix + name,
      )?.value;
      assert.equal(stored?.status, 'ACTIVE');
      assert.equal(stored?.shards.length, 3, 'the split is stored: the parent and two children');
      assert.deepEqual(stored?.tags, { team: 'data' }, 'the tag is stored');
    } finally {
      await streams.close();
    }
  });
});
