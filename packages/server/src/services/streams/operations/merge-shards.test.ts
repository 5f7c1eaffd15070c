import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MergeShardsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  describeShardsJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
  type WireShard,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import {
  testAccountId as account,
  createOnDemandStreamJson,
  testStreamArn,
  transitionNeverMs,
  waitForStatusJson,
} from '../../../testing/stream-lifecycle.js';

const thirdEnd = '113427455640312821154458202477256070484';
const twoThirdsEnd = '226854911280625642308916404954512140969';

let server: ServerProcess;
const describeShards = (name: string) => describeShardsJson(server.url, name);
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'merge-three', 3);
});
after(async () => {
  await server.stop();
});

const notAdjacent = (shard: string, adjacent: string) =>
  `Shards ${shard} and ${adjacent} in stream merge-three under account ${account} are not an adjacent pair of ` +
  'shards eligible for merging';

describe('MergeShards serialization', () => {
  test('rejects an AdjacentShardToMerge that is not a string', () =>
    expectWrongTypes(
      server.url,
      'MergeShards',
      (value) => ({ StreamName: 'a', ShardToMerge: 'b', AdjacentShardToMerge: value }),
      'String',
    ));
  test('rejects a ShardToMerge that is not a string', () =>
    expectWrongTypes(server.url, 'MergeShards', (value) => ({ StreamName: 'a', ShardToMerge: value }), 'String'));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'MergeShards', (value) => ({ StreamName: value }), 'String'));
});

describe('MergeShards validation', () => {
  test('requires ShardToMerge and AdjacentShardToMerge', () =>
    expectValidation(server.url, 'MergeShards', {}, [
      violation(null, 'adjacentShardToMerge', 'Member must not be null'),
      violation(null, 'shardToMerge', 'Member must not be null'),
    ]));
  test('refuses empty strings, listing every violation', () =>
    expectValidation(server.url, 'MergeShards', { StreamName: '', ShardToMerge: '', AdjacentShardToMerge: '' }, [
      violation('', 'adjacentShardToMerge', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'adjacentShardToMerge', 'Member must have length greater than or equal to 1'),
      violation('', 'shardToMerge', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'shardToMerge', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('refuses names longer than 128 characters', () => {
    const name = 'a'.repeat(129);
    return expectValidation(
      server.url,
      'MergeShards',
      { StreamName: name, ShardToMerge: name, AdjacentShardToMerge: name },
      [
        violation(name, 'adjacentShardToMerge', 'Member must have length less than or equal to 128'),
        violation(name, 'shardToMerge', 'Member must have length less than or equal to 128'),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
});

describe('MergeShards behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream when both shard ids resolve', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-none', ShardToMerge: '2147483647', AdjacentShardToMerge: 'x-0' },
      'ResourceNotFoundException',
      `Stream merge-none under account ${account} not found.`,
    ));
  test('names either shard id it cannot resolve before looking for the stream', async () => {
    for (const [shard, adjacent, named] of [
      ['2147483648', 'x-0', '2147483648'],
      ['x-0', 'ABKLFD8', 'ABKLFD8'],
    ] as const) {
      await expectError(
        server.url,
        'MergeShards',
        { StreamName: 'merge-none', ShardToMerge: shard, AdjacentShardToMerge: adjacent },
        'ResourceNotFoundException',
        `Could not find shard ${named} in stream merge-none under account ${account}.`,
      );
    }
  });
  test('names a missing shard of an existing stream by its canonical id', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-three', ShardToMerge: 'x-0', AdjacentShardToMerge: 'shardId-5' },
      'ResourceNotFoundException',
      `Could not find shard shardId-000000000005 in stream merge-three under account ${account}.`,
    ));
  test('refuses shards that are not adjacent', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-three', ShardToMerge: 'x-0', AdjacentShardToMerge: 'x-2' },
      'InvalidArgumentException',
      notAdjacent('shardId-000000000000', 'shardId-000000000002'),
    ));
  test('refuses an adjacent pair given in inverted order', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-three', ShardToMerge: 'x-1', AdjacentShardToMerge: 'x-0' },
      'InvalidArgumentException',
      notAdjacent('shardId-000000000001', 'shardId-000000000000'),
    ));
  test('refuses to merge a shard with itself', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-three', ShardToMerge: 'shardId-1', AdjacentShardToMerge: 'shardId-1' },
      'InvalidArgumentException',
      notAdjacent('shardId-000000000001', 'shardId-000000000001'),
    ));
  test('answers ValidationException for an ON_DEMAND stream, which scales itself', async () => {
    await createOnDemandStreamJson(server.url, 'merge-on-demand');
    await expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-on-demand', ShardToMerge: 'shardId-0', AdjacentShardToMerge: 'shardId-1' },
      'ValidationException',
      `Request is invalid. Stream merge-on-demand under account ${account} is in On-Demand mode.`,
    );
  });

  test('closes both parents and opens one child over both ranges when the update completes', async () => {
    const last = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'merge-three',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: '113427455640312821154458202477256070485',
    });
    await expectEmptySuccess(server.url, 'MergeShards', {
      StreamName: 'merge-three',
      ShardToMerge: 'x-0',
      AdjacentShardToMerge: 'x-1',
    });
    await waitForStatusJson(server.url, 'merge-three', 'ACTIVE');
    const { shards } = await describeShards('merge-three');
    assert.equal(shards.length, 4);
    const [first, second, , child] = shards;
    assert.equal(second?.SequenceNumberRange.EndingSequenceNumber, last.SequenceNumber);
    assert.ok(first?.SequenceNumberRange.EndingSequenceNumber, 'an empty parent is closed too');
    assert.deepEqual(
      [child?.ShardId, child?.ParentShardId, child?.AdjacentParentShardId, child?.HashKeyRange],
      [
        'shardId-000000000003',
        'shardId-000000000000',
        'shardId-000000000001',
        { StartingHashKey: '0', EndingHashKey: twoThirdsEnd },
      ],
    );
    const after = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'merge-three',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: thirdEnd,
    });
    assert.equal(after.ShardId, 'shardId-000000000003');
  });
  test('refuses to merge a shard that was already merged', () =>
    expectError(
      server.url,
      'MergeShards',
      { StreamName: 'merge-three', ShardToMerge: 'shardId-1', AdjacentShardToMerge: 'shardId-2' },
      'InvalidArgumentException',
      `Shard shardId-000000000001 in stream merge-three under account ${account} has already been merged or split, ` +
        'and thus is not eligible for merging or splitting.',
    ));
  test('merges through the AWS SDK, addressed by StreamARN', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new MergeShardsCommand({
          StreamARN: testStreamArn('merge-three'),
          ShardToMerge: 'shardId-000000000003',
          AdjacentShardToMerge: 'shardId-000000000002',
        }),
      );
      await waitForStatusJson(server.url, 'merge-three', 'ACTIVE');
      const { shards } = await describeShards('merge-three');
      const open = shards.filter((shard) => shard.SequenceNumberRange.EndingSequenceNumber === undefined);
      assert.deepEqual(
        open.map((shard) => [shard.ShardId, shard.HashKeyRange.StartingHashKey, shard.HashKeyRange.EndingHashKey]),
        [['shardId-000000000004', '0', '340282366920938463463374607431768211455']],
      );
    } finally {
      client.destroy();
    }
  });
});

describe('MergeShards while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'merge-slow', 3);
  });
  after(async () => {
    await slow.stop();
  });
  test('keeps the shards and writes to the parents while UPDATING, and refuses another update', async () => {
    await expectEmptySuccess(slow.url, 'MergeShards', {
      StreamName: 'merge-slow',
      ShardToMerge: 'x-0',
      AdjacentShardToMerge: 'x-1',
    });
    const answer = await expectSuccess(slow.url, 'DescribeStream', { StreamName: 'merge-slow' });
    const description = answer.StreamDescription as { StreamStatus: string; Shards: WireShard[] };
    assert.deepEqual([description.StreamStatus, description.Shards.length], ['UPDATING', 3]);
    const during = await expectSuccess(slow.url, 'PutRecord', {
      StreamName: 'merge-slow',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: '113427455640312821154458202477256070485',
    });
    assert.equal(during.ShardId, 'shardId-000000000001');
    await expectError(
      slow.url,
      'MergeShards',
      { StreamName: 'merge-slow', ShardToMerge: 'shard-1', AdjacentShardToMerge: 'shard-2' },
      'ResourceInUseException',
      `Stream merge-slow under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
