/**
 * Acceptance (issue 4): resharding through @aws-sdk/client-kinesis while writers keep writing —
 * UpdateShardCount 1 → 2 → 4 → 3, a SplitShard and a MergeShards — with the open shards tiling
 * the hash space after every step; afterwards a reader that finishes parents before children,
 * following ChildShards, reads every acknowledged record exactly once and each key in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  MergeShardsCommand,
  type Shard,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { ContinuousWriter } from '../testing/continuous-writer.js';
import { assertReadExactlyOnceInOrder, readByLineage } from '../testing/lineage-reader.js';
import { assertOpenShardsTile, listAllShards, sdkLineageCalls } from '../testing/sdk-lineage.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { createActiveStream, waitForActive } from '../testing/streams.js';

/** Long enough that writes land while the stream is UPDATING, short enough for a quick test. */
const updateStreamMs = 300;
/** Records the writers must get acknowledged between two steps. */
const recordsPerStep = 60;

let server: ServerProcess;
let client: KinesisClient;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', String(updateStreamMs)] });
  client = kinesisClient(server.url);
});
after(async () => {
  client?.destroy();
  await server?.stop();
});

const isOpen = (shard: Shard): boolean => shard.SequenceNumberRange?.EndingSequenceNumber === undefined;

async function openShards(streamName: string): Promise<Shard[]> {
  const shards = await listAllShards(client, streamName);
  assertOpenShardsTile(shards);
  return shards
    .filter(isOpen)
    .sort((a, b) =>
      BigInt(a.HashKeyRange?.StartingHashKey ?? 0) < BigInt(b.HashKeyRange?.StartingHashKey ?? 0) ? -1 : 1,
    );
}

/**
 * Waits until the update is over, checking the shard map stays whole on the way. (Whether the
 * stream is still UPDATING when this looks depends on the machine's load; the per-operation tests
 * check UPDATING on a server whose updates never complete.)
 */
async function settle(streamName: string): Promise<void> {
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
  assert.ok(['UPDATING', 'ACTIVE'].includes(summary.StreamDescriptionSummary?.StreamStatus ?? ''));
  assertOpenShardsTile(await listAllShards(client, streamName));
  await waitForActive(client, streamName);
}

describe('resharding through the AWS SDK under continuous writes', () => {
  const streamName = 'resharded';
  let writer: ContinuousWriter;

  before(async () => {
    await createActiveStream(client, streamName, 1);
    writer = new ContinuousWriter(client, streamName, { keyCount: 24, loopCount: 6 });
    await writer.progress(recordsPerStep);
  });
  after(async () => {
    await writer?.stop().catch(() => {});
  });

  for (const [current, target] of [
    [1, 2],
    [2, 4],
    [4, 3],
  ] as const) {
    test(`UpdateShardCount ${current} → ${target}`, async () => {
      const answer = await client.send(
        new UpdateShardCountCommand({
          StreamName: streamName,
          TargetShardCount: target,
          ScalingType: 'UNIFORM_SCALING',
        }),
      );
      assert.deepEqual(
        [answer.StreamName, answer.CurrentShardCount, answer.TargetShardCount],
        [streamName, current, target],
      );
      assert.match(answer.StreamARN ?? '', /:stream\/resharded$/);
      await settle(streamName);
      assert.equal((await openShards(streamName)).length, target);
      await writer.progress(recordsPerStep);
    });
  }

  test('SplitShard divides an open shard at NewStartingHashKey', async () => {
    const [first] = await openShards(streamName);
    assert.ok(first?.ShardId && first.HashKeyRange?.StartingHashKey && first.HashKeyRange.EndingHashKey);
    const middle = (BigInt(first.HashKeyRange.StartingHashKey) + BigInt(first.HashKeyRange.EndingHashKey)) / 2n;
    await client.send(
      new SplitShardCommand({ StreamName: streamName, ShardToSplit: first.ShardId, NewStartingHashKey: `${middle}` }),
    );
    await settle(streamName);
    const open = await openShards(streamName);
    assert.equal(open.length, 4);
    assert.deepEqual(
      open.slice(0, 2).map((shard) => [shard.ParentShardId, shard.HashKeyRange?.StartingHashKey]),
      [
        [first.ShardId, first.HashKeyRange.StartingHashKey],
        [first.ShardId, `${middle}`],
      ],
    );
    await writer.progress(recordsPerStep);
  });

  test('MergeShards joins two adjacent open shards', async () => {
    const [left, right] = await openShards(streamName);
    assert.ok(left?.ShardId && right?.ShardId);
    await client.send(
      new MergeShardsCommand({
        StreamName: streamName,
        ShardToMerge: left.ShardId,
        AdjacentShardToMerge: right.ShardId,
      }),
    );
    await settle(streamName);
    const [merged] = await openShards(streamName);
    assert.deepEqual([merged?.ParentShardId, merged?.AdjacentParentShardId], [left.ShardId, right.ShardId]);
    await writer.progress(recordsPerStep);
  });

  test("every child's sequence numbers are greater than every parent's", async () => {
    const shards = await listAllShards(client, streamName);
    const byId = new Map(shards.map((shard) => [shard.ShardId, shard]));
    for (const child of shards) {
      for (const parentId of [child.ParentShardId, child.AdjacentParentShardId]) {
        const parent = parentId === undefined ? undefined : byId.get(parentId);
        if (!parent) continue;
        const parentEnd = BigInt(parent.SequenceNumberRange?.EndingSequenceNumber ?? 'x');
        assert.ok(BigInt(child.SequenceNumberRange?.StartingSequenceNumber ?? 0) > parentEnd);
      }
    }
  });

  test('a reader finishing parents before children reads every acknowledged record once, each key in order', async () => {
    await writer.stop();
    const read = await readByLineage(sdkLineageCalls(client, streamName));
    assert.equal(read.records.length, writer.count);
    assertReadExactlyOnceInOrder(read, writer.acknowledged);
    assert.equal(read.shardOrder[0], 'shardId-000000000000');
  });
});

describe('the end of a closed shard through the AWS SDK', () => {
  test('answers its last records, then no NextShardIterator and ChildShards with hash ranges', async () => {
    await createActiveStream(client, 'split-once', 1);
    const iterator = await client.send(
      new GetShardIteratorCommand({
        StreamName: 'split-once',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'LATEST',
      }),
    );
    await client.send(
      new SplitShardCommand({
        StreamName: 'split-once',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: '1000',
      }),
    );
    await waitForActive(client, 'split-once');
    const end = await client.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator }));
    assert.deepEqual(end.Records, []);
    assert.equal(end.NextShardIterator, undefined);
    assert.deepEqual(end.ChildShards, [
      {
        ShardId: 'shardId-000000000001',
        ParentShards: ['shardId-000000000000'],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: '999' },
      },
      {
        ShardId: 'shardId-000000000002',
        ParentShards: ['shardId-000000000000'],
        HashKeyRange: { StartingHashKey: '1000', EndingHashKey: '340282366920938463463374607431768211455' },
      },
    ]);
  });
});

describe('a split pending when the server dies', () => {
  test('completes after the restart, closing the parent at its last acknowledged record', async () => {
    let durable = await startServerProcess({ args: ['--update-stream-ms', '1500'] });
    let durableClient = kinesisClient(durable.url);
    try {
      await createActiveStream(durableClient, 'split-restart', 1);
      const writer = new ContinuousWriter(durableClient, 'split-restart', { keyCount: 4, loopCount: 2 });
      await writer.progress(20);
      await durableClient.send(
        new SplitShardCommand({ StreamName: 'split-restart', ShardToSplit: 'shardId-0', NewStartingHashKey: '1000' }),
      );
      await writer.progress(20);
      await writer.stop();
      durableClient.destroy();
      await durable.kill('SIGKILL');
      durable = await durable.restart();
      durableClient = kinesisClient(durable.url);
      await waitForActive(durableClient, 'split-restart', 1000);
      const shards = await listAllShards(durableClient, 'split-restart');
      assert.deepEqual(
        shards.map((shard) => [shard.ShardId, shard.ParentShardId]),
        [
          ['shardId-000000000000', undefined],
          ['shardId-000000000001', 'shardId-000000000000'],
          ['shardId-000000000002', 'shardId-000000000000'],
        ],
      );
      const read = await readByLineage(sdkLineageCalls(durableClient, 'split-restart'));
      assert.equal(read.records.length, writer.count);
      assertReadExactlyOnceInOrder(read, writer.acknowledged);
      assert.equal(
        shards[0]?.SequenceNumberRange?.EndingSequenceNumber,
        read.records.filter((record) => record.shardId === 'shardId-000000000000').at(-1)?.SequenceNumber,
      );
    } finally {
      durableClient.destroy();
      await durable.stop();
    }
  });
});
