import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
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

const hashKeyMax = '340282366920938463463374607431768211455';
/** The ranges CreateStream gives three shards (kinesalite's recordings of AWS). */
const thirdEnd = '113427455640312821154458202477256070484';
const twoThirdsStart = '226854911280625642308916404954512140970';

let server: ServerProcess;
const describeShards = (name: string) => describeShardsJson(server.url, name);
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'split-three', 3);
});
after(async () => {
  await server.stop();
});

const notFoundShard = (shard: string, stream: string) =>
  `Could not find shard ${shard} in stream ${stream} under account ${account}.`;

const outOfRange = (key: string, shard: string, start: string, end: string) =>
  `NewStartingHashKey ${key} used in SplitShard() on shard ${shard} in stream split-three under account ${account} ` +
  `is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`;

describe('SplitShard serialization', () => {
  test('rejects a NewStartingHashKey that is not a string', () =>
    expectWrongTypes(
      server.url,
      'SplitShard',
      (value) => ({ StreamName: 'a', ShardToSplit: 'b', NewStartingHashKey: value }),
      'String',
    ));
  test('rejects a ShardToSplit that is not a string', () =>
    expectWrongTypes(server.url, 'SplitShard', (value) => ({ StreamName: 'a', ShardToSplit: value }), 'String'));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'SplitShard', (value) => ({ StreamName: value }), 'String'));
});

describe('SplitShard validation', () => {
  test('requires ShardToSplit and NewStartingHashKey', () =>
    expectValidation(server.url, 'SplitShard', {}, [
      violation(null, 'newStartingHashKey', 'Member must not be null'),
      violation(null, 'shardToSplit', 'Member must not be null'),
    ]));
  test('refuses empty strings, listing every violation', () =>
    expectValidation(server.url, 'SplitShard', { StreamName: '', ShardToSplit: '', NewStartingHashKey: '' }, [
      violation('', 'newStartingHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
      violation('', 'shardToSplit', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'shardToSplit', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('refuses a NewStartingHashKey that is not a decimal number', () =>
    expectValidation(server.url, 'SplitShard', { StreamName: 'a', ShardToSplit: 'b', NewStartingHashKey: '012' }, [
      violation('012', 'newStartingHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
    ]));
});

describe('SplitShard behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream when the shard id resolves', () =>
    expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-none', ShardToSplit: 'x-2147483647', NewStartingHashKey: '0' },
      'ResourceNotFoundException',
      `Stream split-none under account ${account} not found.`,
    ));
  test('names a shard id it cannot resolve before looking for the stream', async () => {
    for (const shardId of ['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4']) {
      await expectError(
        server.url,
        'SplitShard',
        { StreamName: 'split-none', ShardToSplit: shardId, NewStartingHashKey: '0' },
        'ResourceNotFoundException',
        notFoundShard(shardId, 'split-none'),
      );
    }
  });
  test('names a missing shard of an existing stream by its canonical id', () =>
    expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-three', ShardToSplit: 'shardId-5', NewStartingHashKey: '0' },
      'ResourceNotFoundException',
      notFoundShard('shardId-000000000005', 'split-three'),
    ));
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'SplitShard',
      { ShardToSplit: 'shardId-0', NewStartingHashKey: '2' },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('refuses a key not greater than one plus the shard start', () =>
    expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-three', ShardToSplit: 'shard-0', NewStartingHashKey: '1' },
      'InvalidArgumentException',
      outOfRange('1', 'shardId-000000000000', '0', thirdEnd),
    ));
  test('refuses a key not less than the shard end', () =>
    expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-three', ShardToSplit: 'shard-0', NewStartingHashKey: thirdEnd },
      'InvalidArgumentException',
      outOfRange(thirdEnd, 'shardId-000000000000', '0', thirdEnd),
    ));
  test('refuses a key beyond the hash space', () =>
    expectError(
      server.url,
      'SplitShard',
      {
        StreamName: 'split-three',
        ShardToSplit: 'shard-2',
        NewStartingHashKey: '999999999999999999999999999999999999999',
      },
      'InvalidArgumentException',
      outOfRange('999999999999999999999999999999999999999', 'shardId-000000000002', twoThirdsStart, hashKeyMax),
    ));
  test('answers ValidationException for an ON_DEMAND stream, which scales itself', async () => {
    await createOnDemandStreamJson(server.url, 'split-on-demand');
    await expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-on-demand', ShardToSplit: 'shardId-0', NewStartingHashKey: '2' },
      'ValidationException',
      `Request is invalid. Stream split-on-demand under account ${account} is in On-Demand mode.`,
    );
  });

  test('closes the parent at its last record and opens two children when the update completes', async () => {
    await createStreamJson(server.url, 'split-minimum', 1);
    const put = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'split-minimum',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: '1',
    });
    await expectEmptySuccess(server.url, 'SplitShard', {
      StreamName: 'split-minimum',
      ShardToSplit: 'anything-0',
      NewStartingHashKey: '2',
    });
    await waitForStatusJson(server.url, 'split-minimum', 'ACTIVE');
    const { shards } = await describeShards('split-minimum');
    assert.deepEqual(
      shards.map((shard) => [shard.ShardId, shard.ParentShardId, shard.HashKeyRange]),
      [
        ['shardId-000000000000', undefined, { StartingHashKey: '0', EndingHashKey: hashKeyMax }],
        ['shardId-000000000001', 'shardId-000000000000', { StartingHashKey: '0', EndingHashKey: '1' }],
        ['shardId-000000000002', 'shardId-000000000000', { StartingHashKey: '2', EndingHashKey: hashKeyMax }],
      ],
    );
    assert.equal(shards[0]?.SequenceNumberRange.EndingSequenceNumber, put.SequenceNumber, 'ends at its last record');
    for (const child of shards.slice(1)) {
      assert.equal(child.SequenceNumberRange.EndingSequenceNumber, undefined);
      assert.ok(BigInt(child.SequenceNumberRange.StartingSequenceNumber) > BigInt(put.SequenceNumber as string));
    }
    const after = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'split-minimum',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: '1',
    });
    assert.equal(after.ShardId, 'shardId-000000000001');
  });
  test('refuses to split a shard that was already split', () =>
    expectError(
      server.url,
      'SplitShard',
      { StreamName: 'split-minimum', ShardToSplit: 'shardId-000000000000', NewStartingHashKey: '2' },
      'InvalidArgumentException',
      `Shard shardId-000000000000 in stream split-minimum under account ${account} has already been merged or split, ` +
        'and thus is not eligible for merging or splitting.',
    ));
  test('splits through the AWS SDK, addressed by StreamARN', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new SplitShardCommand({
          StreamARN: testStreamArn('split-three'),
          ShardToSplit: 'shardId-000000000001',
          NewStartingHashKey: '170141183460469231731687303715884105728',
        }),
      );
      await waitForStatusJson(server.url, 'split-three', 'ACTIVE');
      const { shards } = await describeShards('split-three');
      assert.deepEqual(
        shards.slice(3).map((shard) => [shard.ShardId, shard.ParentShardId]),
        [
          ['shardId-000000000003', 'shardId-000000000001'],
          ['shardId-000000000004', 'shardId-000000000001'],
        ],
      );
    } finally {
      client.destroy();
    }
  });
});

describe('SplitShard and the account shard quota', () => {
  let limited: ServerProcess;
  before(async () => {
    limited = await startServerProcess({ inMemory: true, args: ['--shard-limit', '3'] });
    await createStreamJson(limited.url, 'split-full', 3);
  });
  after(async () => {
    await limited.stop();
  });
  test('answers LimitExceededException when the new open shard would exceed --shard-limit', () =>
    expectError(
      limited.url,
      'SplitShard',
      { StreamName: 'split-full', ShardToSplit: 'shardId-0', NewStartingHashKey: '2' },
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${account} in us-east-1. ` +
        'Current shard count for the account: 3. Limit: 3. ' +
        'Number of additional shards that would have resulted from this request: 1. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    ));
});

describe('SplitShard while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'split-slow', 1);
  });
  after(async () => {
    await slow.stop();
  });
  test('keeps the shards and writes to the parent while UPDATING, and refuses another update', async () => {
    await expectEmptySuccess(slow.url, 'SplitShard', {
      StreamName: 'split-slow',
      ShardToSplit: 'shardId-0',
      NewStartingHashKey: '2',
    });
    const answer = await expectSuccess(slow.url, 'DescribeStream', { StreamName: 'split-slow' });
    const description = answer.StreamDescription as { StreamStatus: string; Shards: WireShard[] };
    assert.deepEqual(
      [description.StreamStatus, description.Shards.map((shard) => shard.ShardId)],
      ['UPDATING', ['shardId-000000000000']],
    );
    const put = await expectSuccess(slow.url, 'PutRecord', {
      StreamName: 'split-slow',
      PartitionKey: 'a',
      Data: '',
      ExplicitHashKey: '1',
    });
    assert.equal(put.ShardId, 'shardId-000000000000');
    await expectError(
      slow.url,
      'SplitShard',
      { StreamName: 'split-slow', ShardToSplit: 'shard-0', NewStartingHashKey: '2' },
      'ResourceInUseException',
      `Stream split-slow under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
