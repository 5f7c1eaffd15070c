import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
let createdAfterMs: number;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  createdAfterMs = Date.now();
  await createStreamJson(server.url, 'described', 3);
});
after(async () => {
  await server.stop();
});

interface Description {
  Shards: Array<{ ShardId: string; SequenceNumberRange: { StartingSequenceNumber?: string } }>;
  HasMoreShards: boolean;
  StreamCreationTimestamp?: number;
}

async function describeStream(input: Record<string, unknown>): Promise<Description> {
  return (await expectSuccess(server.url, 'DescribeStream', input)).StreamDescription as Description;
}

describe('DescribeStream serialization', () => {
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'DescribeStream', (value) => ({ StreamName: value }), 'String'));
  test('rejects a Limit that is not an integer', () =>
    expectWrongTypes(server.url, 'DescribeStream', (value) => ({ StreamName: 'a', Limit: value }), 'Integer'));
  test('rejects an ExclusiveStartShardId that is not a string', () =>
    expectWrongTypes(
      server.url,
      'DescribeStream',
      (value) => ({ StreamName: 'a', ExclusiveStartShardId: value }),
      'String',
    ));
});

describe('DescribeStream validation', () => {
  test('lists five violations of empty values in AWS order', () =>
    expectValidation(server.url, 'DescribeStream', { StreamName: '', Limit: 0, ExclusiveStartShardId: '' }, [
      violation('0', 'limit', 'Member must have value greater than or equal to 1'),
      violation('', 'exclusiveStartShardId', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'exclusiveStartShardId', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits Limit to 10000 and names to 128 characters', () => {
    const name = 'a'.repeat(129);
    return expectValidation(
      server.url,
      'DescribeStream',
      { StreamName: name, Limit: 100000, ExclusiveStartShardId: name },
      [
        violation('100000', 'limit', 'Member must have value less than or equal to 10000'),
        violation(name, 'exclusiveStartShardId', 'Member must have length less than or equal to 128'),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
});

describe('DescribeStream behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'DescribeStream',
      {},
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DescribeStream',
      { StreamName: 'nope' },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('returns the full StreamDescription of a 3-shard stream', async () => {
    const description = await describeStream({ StreamName: 'described' });
    const created = (description.StreamCreationTimestamp ?? 0) * 1000;
    assert.ok(created >= createdAfterMs - 1000 && created <= Date.now() + 1000, `created at ${created}`);
    const starts = description.Shards.map((shard) => shard.SequenceNumberRange.StartingSequenceNumber ?? '');
    for (const start of starts) assert.match(start, /^\d{56}$/);
    for (const shard of description.Shards) delete shard.SequenceNumberRange.StartingSequenceNumber;
    delete description.StreamCreationTimestamp;
    assert.deepEqual(description, {
      StreamName: 'described',
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/described',
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      Shards: [
        {
          ShardId: 'shardId-000000000000',
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '113427455640312821154458202477256070484' },
          SequenceNumberRange: {},
        },
        {
          ShardId: 'shardId-000000000001',
          HashKeyRange: {
            StartingHashKey: '113427455640312821154458202477256070485',
            EndingHashKey: '226854911280625642308916404954512140969',
          },
          SequenceNumberRange: {},
        },
        {
          ShardId: 'shardId-000000000002',
          HashKeyRange: {
            StartingHashKey: '226854911280625642308916404954512140970',
            EndingHashKey: '340282366920938463463374607431768211455',
          },
          SequenceNumberRange: {},
        },
      ],
      HasMoreShards: false,
      RetentionPeriodHours: 24,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
    });
  });
  test('describes the same stream when addressed by its ARN', async () => {
    const byName = await describeStream({ StreamName: 'described' });
    const byArn = await describeStream({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/described' });
    assert.deepEqual(byArn, byName);
  });
  test('pages shards with Limit and says when more remain', async () => {
    const page = await describeStream({ StreamName: 'described', Limit: 2 });
    assert.deepEqual(
      page.Shards.map((shard) => shard.ShardId),
      ['shardId-000000000000', 'shardId-000000000001'],
    );
    assert.equal(page.HasMoreShards, true);
  });
  test('continues after ExclusiveStartShardId', async () => {
    const page = await describeStream({ StreamName: 'described', ExclusiveStartShardId: 'shardId-000000000001' });
    assert.deepEqual(
      page.Shards.map((shard) => shard.ShardId),
      ['shardId-000000000002'],
    );
    assert.equal(page.HasMoreShards, false);
  });
  test('lists nothing after the last shard', async () => {
    const page = await describeStream({ StreamName: 'described', ExclusiveStartShardId: 'shardId-000000000002' });
    assert.deepEqual(page.Shards, []);
    assert.equal(page.HasMoreShards, false);
  });
  test('combines ExclusiveStartShardId and Limit', async () => {
    const page = await describeStream({
      StreamName: 'described',
      ExclusiveStartShardId: 'shardId-000000000000',
      Limit: 1,
    });
    assert.deepEqual(
      page.Shards.map((shard) => shard.ShardId),
      ['shardId-000000000001'],
    );
    assert.equal(page.HasMoreShards, true);
  });
});
