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
