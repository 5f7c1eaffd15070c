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
import { waitForStatusJson } from '../../../testing/stream-lifecycle.js';
import { decodeSequence } from '../sequence-number.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'sharded', 3);
});
after(async () => {
  await server.stop();
});

const shardIdPattern = 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+';
const filterTypes = 'FROM_TIMESTAMP, FROM_TRIM_HORIZON, AT_LATEST, AT_TRIM_HORIZON, AT_TIMESTAMP, AFTER_SHARD_ID';

interface Listing {
  Shards: Array<{ ShardId: string; SequenceNumberRange: { StartingSequenceNumber?: string } }>;
  NextToken?: string;
}

async function listShards(input: Record<string, unknown>): Promise<Listing> {
  return (await expectSuccess(server.url, 'ListShards', input)) as unknown as Listing;
}

async function listedIds(input: Record<string, unknown>): Promise<string[]> {
  return (await listShards(input)).Shards.map((shard) => shard.ShardId);
}

const allIds = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];

describe('ListShards serialization', () => {
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'ListShards', (value) => ({ StreamName: value }), 'String'));
  test('rejects a MaxResults that is not an integer', () =>
    expectWrongTypes(server.url, 'ListShards', (value) => ({ StreamName: 'a', MaxResults: value }), 'Integer'));
  test('rejects an ExclusiveStartShardId that is not a string', () =>
    expectWrongTypes(
      server.url,
      'ListShards',
      (value) => ({ StreamName: 'a', ExclusiveStartShardId: value }),
      'String',
    ));
  test('rejects a NextToken that is not a string', () =>
    expectWrongTypes(server.url, 'ListShards', (value) => ({ NextToken: value }), 'String'));
  test('rejects a StreamCreationTimestamp that is not a timestamp', () =>
    expectWrongTypes(
      server.url,
      'ListShards',
      (value) => ({ StreamName: 'a', StreamCreationTimestamp: value }),
      'Timestamp',
    ));
  test('rejects a ShardFilter that is not a structure', () =>
    expectWrongTypes(server.url, 'ListShards', (value) => ({ StreamName: 'a', ShardFilter: value }), 'Structure'));
  test('rejects a ShardFilter Type that is not a string', () =>
    expectWrongTypes(
      server.url,
      'ListShards',
      (value) => ({ StreamName: 'a', ShardFilter: { Type: value } }),
      'String',
    ));
  test('rejects a ShardFilter Timestamp that is not a timestamp', () =>
    expectWrongTypes(
      server.url,
      'ListShards',
      (value) => ({ StreamName: 'a', ShardFilter: { Type: 'AT_TIMESTAMP', Timestamp: value } }),
      'Timestamp',
    ));
});

describe('ListShards validation', () => {
  test('lists every empty value in AWS member order', () =>
    expectValidation(
      server.url,
      'ListShards',
      { StreamName: '', NextToken: '', MaxResults: 0, ExclusiveStartShardId: '' },
      [
        violation('', 'exclusiveStartShardId', shardIdPattern),
        violation('', 'exclusiveStartShardId', 'Member must have length greater than or equal to 1'),
        violation('', 'nextToken', 'Member must have length greater than or equal to 1'),
        violation('0', 'maxResults', 'Member must have value greater than or equal to 1'),
        violation('', 'streamName', shardIdPattern),
        violation('', 'streamName', 'Member must have length greater than or equal to 1'),
      ],
    ));
  test('limits MaxResults to 10000 and names to 128 characters', () => {
    const name = 'a'.repeat(129);
    return expectValidation(
      server.url,
      'ListShards',
      { StreamName: name, MaxResults: 100000, ExclusiveStartShardId: name },
      [
        violation(name, 'exclusiveStartShardId', 'Member must have length less than or equal to 128'),
        violation('100000', 'maxResults', 'Member must have value less than or equal to 10000'),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
  test('requires a ShardFilter Type and checks it against the enum', async () => {
    await expectValidation(server.url, 'ListShards', { StreamName: 'sharded', ShardFilter: {} }, [
      violation(null, 'shardFilter.type', 'Member must not be null'),
    ]);
    await expectValidation(server.url, 'ListShards', { StreamName: 'sharded', ShardFilter: { Type: 'NEWEST' } }, [
      violation('NEWEST', 'shardFilter.type', `Member must satisfy enum value set: [${filterTypes}]`),
    ]);
  });
  test('lists a ShardFilter ShardId violation before its Type violation and before the top-level members', () =>
    expectValidation(server.url, 'ListShards', { StreamName: '', ShardFilter: { Type: 'X', ShardId: '' } }, [
      violation('', 'shardFilter.shardId', shardIdPattern),
      violation('', 'shardFilter.shardId', 'Member must have length greater than or equal to 1'),
      violation('X', 'shardFilter.type', `Member must satisfy enum value set: [${filterTypes}]`),
      violation('', 'streamName', shardIdPattern),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('lists no more than ten violations', () =>
    expectValidation(
      server.url,
      'ListShards',
      {
        StreamName: '',
        StreamARN: '',
        StreamId: '',
        NextToken: '',
        MaxResults: 0,
        ExclusiveStartShardId: '',
        ShardFilter: { Type: 'X', ShardId: '' },
      },
      [
        violation('', 'shardFilter.shardId', shardIdPattern),
        violation('', 'shardFilter.shardId', 'Member must have length greater than or equal to 1'),
        violation('X', 'shardFilter.type', `Member must satisfy enum value set: [${filterTypes}]`),
        violation('', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
        violation('', 'streamId', 'Member must have length greater than or equal to 1'),
        violation('', 'exclusiveStartShardId', shardIdPattern),
        violation('', 'exclusiveStartShardId', 'Member must have length greater than or equal to 1'),
        violation(
          '',
          'streamARN',
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
        ),
        violation('', 'streamARN', 'Member must have length greater than or equal to 1'),
        violation('', 'nextToken', 'Member must have length greater than or equal to 1'),
      ],
    ));
});

describe('ListShards behaviour', () => {
  test('requires a StreamName or a NextToken', () =>
    expectError(
      server.url,
      'ListShards',
      {},
      'InvalidArgumentException',
      'Either NextToken or StreamName should be provided.',
    ));
  test('refuses a StreamName together with a NextToken', () =>
    expectError(
      server.url,
      'ListShards',
      { StreamName: 'sharded', NextToken: 'whatever' },
      'InvalidArgumentException',
      'NextToken and StreamName cannot be provided together.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'ListShards',
      { StreamName: 'nope' },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('lists every shard of the stream, with no NextToken', async () => {
    const listing = await listShards({ StreamName: 'sharded' });
    for (const shard of listing.Shards) {
      assert.match(shard.SequenceNumberRange.StartingSequenceNumber ?? '', /^\d{56}$/);
      delete shard.SequenceNumberRange.StartingSequenceNumber;
    }
    assert.deepEqual(listing, {
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
    });
  });
  test('lists the same shards when addressed by StreamARN', async () => {
    assert.deepEqual(await listedIds({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/sharded' }), allIds);
  });
  test('pages with MaxResults and a NextToken that alone names the stream', async () => {
    const first = await listShards({ StreamName: 'sharded', MaxResults: 2 });
    assert.deepEqual(
      first.Shards.map((shard) => shard.ShardId),
      allIds.slice(0, 2),
    );
    assert.equal(typeof first.NextToken, 'string');
    const second = await listShards({ NextToken: first.NextToken });
    assert.deepEqual(
      second.Shards.map((shard) => shard.ShardId),
      allIds.slice(2),
    );
    assert.equal(second.NextToken, undefined);
  });
  test('accepts MaxResults with a NextToken', async () => {
    const first = await listShards({ StreamName: 'sharded', MaxResults: 1 });
    const second = await listShards({ NextToken: first.NextToken, MaxResults: 1 });
    assert.deepEqual(
      second.Shards.map((shard) => shard.ShardId),
      [allIds[1]],
    );
    const third = await listShards({ NextToken: second.NextToken, MaxResults: 1 });
    assert.deepEqual(
      third.Shards.map((shard) => shard.ShardId),
      [allIds[2]],
    );
    assert.equal(third.NextToken, undefined);
  });
  test('refuses a NextToken it did not issue', () =>
    expectError(
      server.url,
      'ListShards',
      { NextToken: 'forged' },
      'InvalidArgumentException',
      'Invalid NextToken: forged',
    ));
  test('refuses a NextToken from ListStreams', async () => {
    await createStreamJson(server.url, 'another', 1);
    const streams = await expectSuccess(server.url, 'ListStreams', { Limit: 1 });
    const token = streams.NextToken as string;
    await expectError(
      server.url,
      'ListShards',
      { NextToken: token },
      'InvalidArgumentException',
      `Invalid NextToken: ${token}`,
    );
  });
  test('starts after ExclusiveStartShardId', async () => {
    assert.deepEqual(
      await listedIds({ StreamName: 'sharded', ExclusiveStartShardId: 'shardId-000000000000' }),
      allIds.slice(1),
    );
    assert.deepEqual(await listedIds({ StreamName: 'sharded', ExclusiveStartShardId: 'shardId-000000000002' }), []);
  });
  test('filters AFTER_SHARD_ID, which needs a ShardId', async () => {
    assert.deepEqual(
      await listedIds({
        StreamName: 'sharded',
        ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000001' },
      }),
      allIds.slice(2),
    );
    await expectError(
      server.url,
      'ListShards',
      { StreamName: 'sharded', ShardFilter: { Type: 'AFTER_SHARD_ID' } },
      'InvalidArgumentException',
      'ShardId must be specified for the ShardFilter type AFTER_SHARD_ID.',
    );
  });
  test('lists every open shard for AT_LATEST, AT_TRIM_HORIZON and FROM_TRIM_HORIZON of an unsplit stream', async () => {
    for (const type of ['AT_LATEST', 'AT_TRIM_HORIZON', 'FROM_TRIM_HORIZON']) {
      assert.deepEqual(await listedIds({ StreamName: 'sharded', ShardFilter: { Type: type } }), allIds, type);
    }
  });
  test('filters AT_TIMESTAMP and FROM_TIMESTAMP, which need a Timestamp', async () => {
    const now = Date.now() / 1000;
    for (const type of ['AT_TIMESTAMP', 'FROM_TIMESTAMP']) {
      assert.deepEqual(
        await listedIds({ StreamName: 'sharded', ShardFilter: { Type: type, Timestamp: now } }),
        allIds,
        type,
      );
      await expectError(
        server.url,
        'ListShards',
        { StreamName: 'sharded', ShardFilter: { Type: type } },
        'InvalidArgumentException',
        `Timestamp must be specified for the ShardFilter type ${type}.`,
      );
    }
  });
});

describe('ListShards after resharding', () => {
  const lineage = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002', 'shardId-000000000003'];
  /** The children's creation millisecond, read from their starting sequence number. */
  let splitMs = 0;

  before(async () => {
    await createStreamJson(server.url, 'lineage', 2);
    await expectSuccess(server.url, 'SplitShard', {
      StreamName: 'lineage',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: '1000',
    });
    await waitForStatusJson(server.url, 'lineage', 'ACTIVE');
    const listing = await listShards({ StreamName: 'lineage' });
    const child = listing.Shards.find((shard) => shard.ShardId === 'shardId-000000000002');
    splitMs = decodeSequence(child?.SequenceNumberRange.StartingSequenceNumber ?? '')?.shardEpochMs ?? 0;
    assert.ok(splitMs > 0);
  });

  const filtered = (Type: string, Timestamp?: number) =>
    listedIds({ StreamName: 'lineage', ShardFilter: Timestamp === undefined ? { Type } : { Type, Timestamp } });

  test('lists closed shards too, with their EndingSequenceNumber, when no filter is given', async () => {
    const listing = await listShards({ StreamName: 'lineage' });
    assert.deepEqual(
      listing.Shards.map((shard) => shard.ShardId),
      lineage,
    );
    const [parent] = listing.Shards as Array<{ SequenceNumberRange: { EndingSequenceNumber?: string } }>;
    assert.match(parent?.SequenceNumberRange.EndingSequenceNumber ?? '', /^\d{56}$/);
  });
  test('AT_LATEST lists only the open shards', async () => {
    assert.deepEqual(await filtered('AT_LATEST'), lineage.slice(1));
  });
  test('AT_TRIM_HORIZON lists the shards open at the trim horizon: the ones the stream was created with', async () => {
    assert.deepEqual(await filtered('AT_TRIM_HORIZON'), lineage.slice(0, 2));
  });
  test('FROM_TRIM_HORIZON lists every shard holding data within the retention period', async () => {
    assert.deepEqual(await filtered('FROM_TRIM_HORIZON'), lineage);
  });
  test('AT_TIMESTAMP lists the shards that were open at the time', async () => {
    assert.deepEqual(await filtered('AT_TIMESTAMP', (splitMs - 5) / 1000), lineage.slice(0, 2));
    assert.deepEqual(await filtered('AT_TIMESTAMP', (splitMs + 5) / 1000), lineage.slice(1));
  });
  test('FROM_TIMESTAMP lists the shards open at or after the time', async () => {
    assert.deepEqual(await filtered('FROM_TIMESTAMP', (splitMs - 5) / 1000), lineage);
    assert.deepEqual(await filtered('FROM_TIMESTAMP', (splitMs + 5) / 1000), lineage.slice(1));
  });
  test('corrects a time before the stream existed to its trim horizon', async () => {
    assert.deepEqual(await filtered('AT_TIMESTAMP', 1), lineage.slice(0, 2));
    assert.deepEqual(await filtered('FROM_TIMESTAMP', 1), lineage);
  });
  test('AFTER_SHARD_ID lists the shards whose ids follow, closed or open', async () => {
    assert.deepEqual(
      await listedIds({
        StreamName: 'lineage',
        ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000000' },
      }),
      lineage.slice(1),
    );
  });
});
