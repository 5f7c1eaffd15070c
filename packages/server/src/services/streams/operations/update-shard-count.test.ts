import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UpdateShardCountCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
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
import { evenRanges } from '../hash-keys.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'scaled-two', 2);
  await createStreamJson(server.url, 'scaled-six', 6);
});
after(async () => {
  await server.stop();
});

const uniform = (streamName: string, target: number) => ({
  StreamName: streamName,
  TargetShardCount: target,
  ScalingType: 'UNIFORM_SCALING',
});

/** The open shards, in hash-key order. */
async function openShards(streamName: string, url = server.url): Promise<WireShard[]> {
  const answer = await expectSuccess(url, 'ListShards', {
    StreamName: streamName,
    ShardFilter: { Type: 'AT_LATEST' },
  });
  const shards = answer.Shards as WireShard[];
  const start = (shard: WireShard): bigint => BigInt(shard.HashKeyRange.StartingHashKey);
  return shards.sort((a, b) => (start(a) < start(b) ? -1 : 1));
}

describe('UpdateShardCount serialization', () => {
  test('rejects a TargetShardCount that is not an integer', () =>
    expectWrongTypes(
      server.url,
      'UpdateShardCount',
      (value) => ({ StreamName: 'a', ScalingType: 'UNIFORM_SCALING', TargetShardCount: value }),
      'Integer',
    ));
  test('rejects a ScalingType that is not a string', () =>
    expectWrongTypes(server.url, 'UpdateShardCount', (value) => ({ StreamName: 'a', ScalingType: value }), 'String'));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'UpdateShardCount', (value) => ({ StreamName: value }), 'String'));
});

describe('UpdateShardCount validation', () => {
  test('requires TargetShardCount and ScalingType', () =>
    expectValidation(server.url, 'UpdateShardCount', {}, [
      violation(null, 'scalingType', 'Member must not be null'),
      violation(null, 'targetShardCount', 'Member must not be null'),
    ]));
  test('refuses an unknown ScalingType, a TargetShardCount below 1 and an empty StreamName', () =>
    expectValidation(server.url, 'UpdateShardCount', { StreamName: '', ScalingType: '', TargetShardCount: 0 }, [
      violation('', 'scalingType', 'Member must satisfy enum value set: [UNIFORM_SCALING]'),
      violation('0', 'targetShardCount', 'Member must have value greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
});

describe('UpdateShardCount behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-none', 2),
      'ResourceNotFoundException',
      `Stream scaled-none under account ${account} not found.`,
    ));
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'UpdateShardCount',
      { TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('refuses to scale up over double the open shard count', () =>
    expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-two', 5),
      'LimitExceededException',
      'UpdateShardCount cannot scale up over double your current open shard count. ' +
        'Current open shard count: 2, Target shard count: 5',
    ));
  test('refuses to scale down below half the open shard count', () =>
    expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-six', 2),
      'LimitExceededException',
      'UpdateShardCount cannot scale down below half your current open shard count. ' +
        'Current open shard count: 6, Target shard count: 2',
    ));
  test('refuses more than 10000 shards in a stream', () =>
    expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-two', 10_001),
      'LimitExceededException',
      'Target shard count or number of open shards cannot be greater than 10000. ' +
        'Current open shard count: 2, Target shard count: 10001',
    ));
  test('answers ValidationException for an ON_DEMAND stream, which scales itself', async () => {
    await createOnDemandStreamJson(server.url, 'scaled-on-demand');
    await expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-on-demand', 8),
      'ValidationException',
      `Request is invalid. Stream scaled-on-demand under account ${account} is in On-Demand mode.`,
    );
  });

  test('answers the current and target counts, and reshapes the open shards into equal ranges', async () => {
    assert.deepEqual(await expectSuccess(server.url, 'UpdateShardCount', uniform('scaled-two', 3)), {
      StreamName: 'scaled-two',
      CurrentShardCount: 2,
      TargetShardCount: 3,
      StreamARN: testStreamArn('scaled-two'),
    });
    await waitForStatusJson(server.url, 'scaled-two', 'ACTIVE');
    const open = await openShards('scaled-two');
    assert.deepEqual(
      open.map((shard) => [shard.HashKeyRange.StartingHashKey, shard.HashKeyRange.EndingHashKey]),
      evenRanges(3).map((range) => [range.start.toString(), range.end.toString()]),
    );
    for (const shard of open) assert.ok(shard.ParentShardId, `${shard.ShardId} names its parent`);
  });
  test('scales down through the AWS SDK, merging adjacent pairs', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(
        new UpdateShardCountCommand({
          StreamARN: testStreamArn('scaled-six'),
          TargetShardCount: 3,
          ScalingType: 'UNIFORM_SCALING',
        }),
      );
      assert.deepEqual([answer.CurrentShardCount, answer.TargetShardCount], [6, 3]);
      await waitForStatusJson(server.url, 'scaled-six', 'ACTIVE');
      const open = await openShards('scaled-six');
      assert.deepEqual(
        open.map((shard) => [shard.ParentShardId, shard.AdjacentParentShardId]),
        [
          ['shardId-000000000000', 'shardId-000000000001'],
          ['shardId-000000000002', 'shardId-000000000003'],
          ['shardId-000000000004', 'shardId-000000000005'],
        ],
      );
    } finally {
      client.destroy();
    }
  });
  test('allows ten updates per stream in a rolling 24 hours, and refuses the eleventh', async () => {
    await createStreamJson(server.url, 'scaled-often', 1);
    for (let update = 0; update < 10; update++) {
      await expectSuccess(server.url, 'UpdateShardCount', uniform('scaled-often', update % 2 === 0 ? 2 : 1));
      await waitForStatusJson(server.url, 'scaled-often', 'ACTIVE');
    }
    await expectError(
      server.url,
      'UpdateShardCount',
      uniform('scaled-often', 2),
      'LimitExceededException',
      `UpdateShardCount cannot be called more than 10 times in a rolling 24-hour period for stream scaled-often ` +
        `under account ${account}.`,
    );
  });
});

describe('UpdateShardCount and the account shard quota', () => {
  let limited: ServerProcess;
  before(async () => {
    limited = await startServerProcess({ inMemory: true, args: ['--shard-limit', '5'] });
    await createStreamJson(limited.url, 'scaled-limited', 3);
  });
  after(async () => {
    await limited.stop();
  });
  test('answers LimitExceededException when the added open shards would exceed --shard-limit', () =>
    expectError(
      limited.url,
      'UpdateShardCount',
      uniform('scaled-limited', 6),
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${account} in us-east-1. ` +
        'Current shard count for the account: 3. Limit: 5. ' +
        'Number of additional shards that would have resulted from this request: 3. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    ));
  test('keeps DescribeLimits consistent after scaling within the quota', async () => {
    await expectSuccess(limited.url, 'UpdateShardCount', uniform('scaled-limited', 5));
    await waitForStatusJson(limited.url, 'scaled-limited', 'ACTIVE');
    const limits = await expectSuccess(limited.url, 'DescribeLimits', {});
    assert.deepEqual([limits.ShardLimit, limits.OpenShardCount], [5, 5]);
  });
});

describe('UpdateShardCount while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'scaled-slow', 2);
  });
  after(async () => {
    await slow.stop();
  });
  test('keeps the shards until the update completes, and refuses another update', async () => {
    await expectSuccess(slow.url, 'UpdateShardCount', uniform('scaled-slow', 4));
    assert.equal((await openShards('scaled-slow', slow.url)).length, 2);
    await expectError(
      slow.url,
      'UpdateShardCount',
      uniform('scaled-slow', 3),
      'ResourceInUseException',
      `Stream scaled-slow under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
