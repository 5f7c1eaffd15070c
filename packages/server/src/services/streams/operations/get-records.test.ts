import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  deleteStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { waitForStatusJson } from '../../../testing/stream-lifecycle.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'reads', 2);
});
after(async () => {
  await server.stop();
});

interface WireRecord {
  SequenceNumber: string;
  ApproximateArrivalTimestamp: number;
  Data: string;
  PartitionKey: string;
}

interface Page {
  Records: WireRecord[];
  NextShardIterator?: string;
  MillisBehindLatest: number;
}

async function getRecords(url: string, input: Record<string, unknown>): Promise<Page> {
  return (await expectSuccess(url, 'GetRecords', input)) as unknown as Page;
}

async function iteratorOf(url: string, stream: string, shardId: string, type = 'TRIM_HORIZON'): Promise<string> {
  const answer = await expectSuccess(url, 'GetShardIterator', {
    StreamName: stream,
    ShardId: shardId,
    ShardIteratorType: type,
  });
  return answer.ShardIterator as string;
}

/** Puts records with the given partition keys into shard 0 of `stream`; returns their sequence numbers. */
async function putKeys(url: string, stream: string, keys: string[]): Promise<string[]> {
  const answer = await expectSuccess(url, 'PutRecords', {
    StreamName: stream,
    Records: keys.map((key) => ({
      PartitionKey: key,
      Data: Buffer.from(`data-${key}`).toString('base64'),
      ExplicitHashKey: '0',
    })),
  });
  return (answer.Records as Array<{ SequenceNumber: string }>).map((record) => record.SequenceNumber);
}

const keysOf = (page: Page): string[] => page.Records.map((record) => record.PartitionKey);

describe('GetRecords serialization', () => {
  test('rejects a ShardIterator that is not a string', () =>
    expectWrongTypes(server.url, 'GetRecords', (value) => ({ ShardIterator: value }), 'String'));
  test('rejects a Limit that is not an integer', () =>
    expectWrongTypes(server.url, 'GetRecords', (value) => ({ ShardIterator: 'a', Limit: value }), 'Integer'));
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(server.url, 'GetRecords', (value) => ({ ShardIterator: 'a', StreamARN: value }), 'String'));
});

describe('GetRecords validation', () => {
  test('requires a ShardIterator', () =>
    expectValidation(server.url, 'GetRecords', {}, [violation(null, 'shardIterator', 'Member must not be null')]));
  test('lists a Limit below 1 before an empty ShardIterator', () =>
    expectValidation(server.url, 'GetRecords', { ShardIterator: '', Limit: 0 }, [
      violation('0', 'limit', 'Member must have value greater than or equal to 1'),
      violation('', 'shardIterator', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits Limit to 10000 and ShardIterator to 512 characters', () =>
    expectValidation(server.url, 'GetRecords', { ShardIterator: 'a'.repeat(513), Limit: 100000 }, [
      violation('100000', 'limit', 'Member must have value less than or equal to 10000'),
      violation('a'.repeat(513), 'shardIterator', 'Member must have length less than or equal to 512'),
    ]));
});

describe('GetRecords behaviour', () => {
  test('refuses a ShardIterator that is not one', () =>
    expectError(
      server.url,
      'GetRecords',
      { ShardIterator: 'not-an-iterator' },
      'InvalidArgumentException',
      'Invalid ShardIterator.',
    ));
  test('refuses a ShardIterator with one character changed', async () => {
    const genuine = await iteratorOf(server.url, 'reads', 'shardId-000000000000');
    const middle = Math.floor(genuine.length / 2);
    const replacement = genuine[middle] === 'A' ? 'B' : 'A';
    const tampered = genuine.slice(0, middle) + replacement + genuine.slice(middle + 1);
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: tampered },
      'InvalidArgumentException',
      'Invalid ShardIterator.',
    );
  });
  test('refuses a truncated ShardIterator', async () => {
    const genuine = await iteratorOf(server.url, 'reads', 'shardId-000000000000');
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: genuine.slice(0, genuine.length - 4) },
      'InvalidArgumentException',
      'Invalid ShardIterator.',
    );
  });
  test('returns records with their sequence number, arrival time, data and partition key', async () => {
    await createStreamJson(server.url, 'shape', 1);
    const startedSeconds = Date.now() / 1000;
    const [sequence] = await putKeys(server.url, 'shape', ['only']);
    const page = await getRecords(server.url, { ShardIterator: await iteratorOf(server.url, 'shape', 'shardId-0') });
    const [record] = page.Records;
    assert.ok(record);
    assert.ok(
      record.ApproximateArrivalTimestamp >= startedSeconds - 1 &&
        record.ApproximateArrivalTimestamp <= Date.now() / 1000 + 1,
    );
    assert.deepEqual(record, {
      SequenceNumber: sequence,
      ApproximateArrivalTimestamp: record.ApproximateArrivalTimestamp,
      Data: Buffer.from('data-only').toString('base64'),
      PartitionKey: 'only',
    });
    assert.equal(page.MillisBehindLatest, 0);
    assert.equal(typeof page.NextShardIterator, 'string');
  });
  test('returns no records but a next iterator from an empty shard', async () => {
    const page = await getRecords(server.url, {
      ShardIterator: await iteratorOf(server.url, 'reads', 'shardId-000000000001'),
    });
    assert.deepEqual(page.Records, []);
    assert.equal(page.MillisBehindLatest, 0);
    assert.equal(typeof page.NextShardIterator, 'string');
  });
  test('honours Limit, continues from NextShardIterator, and lets an iterator be read again', async () => {
    await createStreamJson(server.url, 'limited', 1);
    const sequences = await putKeys(server.url, 'limited', ['a', 'b', 'c', 'd', 'e']);
    const start = await expectSuccess(server.url, 'GetShardIterator', {
      StreamName: 'limited',
      ShardId: 'shardId-0',
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: sequences[1],
    });
    const first = await getRecords(server.url, { ShardIterator: start.ShardIterator, Limit: 2 });
    assert.deepEqual(keysOf(first), ['b', 'c']);
    assert.deepEqual(
      first.Records.map((record) => record.SequenceNumber),
      sequences.slice(1, 3),
    );
    const next = first.NextShardIterator;
    assert.deepEqual(keysOf(await getRecords(server.url, { ShardIterator: next, Limit: 3 })), ['d', 'e']);
    assert.deepEqual(keysOf(await getRecords(server.url, { ShardIterator: next, Limit: 1 })), ['d']);
    assert.deepEqual(keysOf(await getRecords(server.url, { ShardIterator: next })), ['d', 'e']);
  });
  test('reports how far behind the newest record the last returned record arrived', async () => {
    await createStreamJson(server.url, 'behind', 1);
    const trimHorizon = await iteratorOf(server.url, 'behind', 'shardId-0');
    // Put (bounded) until the newest record arrived in a later millisecond than the first.
    let all: WireRecord[] = [];
    for (let attempt = 0; attempt < 10_000; attempt++) {
      await putKeys(server.url, 'behind', [`k${attempt}`]);
      all = (await getRecords(server.url, { ShardIterator: trimHorizon })).Records;
      if ((all.at(-1)?.ApproximateArrivalTimestamp ?? 0) > (all[0]?.ApproximateArrivalTimestamp ?? 0)) break;
    }
    const first = all[0];
    const newest = all.at(-1);
    assert.ok(first && newest && newest.ApproximateArrivalTimestamp > first.ApproximateArrivalTimestamp);
    const page = await getRecords(server.url, { ShardIterator: trimHorizon, Limit: 1 });
    assert.equal(
      page.MillisBehindLatest,
      Math.round((newest.ApproximateArrivalTimestamp - first.ApproximateArrivalTimestamp) * 1000),
    );
    const caughtUp = await getRecords(server.url, { ShardIterator: trimHorizon });
    assert.equal(caughtUp.MillisBehindLatest, 0);
  });
  test('does not find the shards of a deleted stream, and reads a recreated one from its start', async () => {
    await createStreamJson(server.url, 'fleeting', 2);
    const iterator0 = await iteratorOf(server.url, 'fleeting', 'shardId-0', 'LATEST');
    const iterator1 = await iteratorOf(server.url, 'fleeting', 'shardId-1', 'LATEST');
    await deleteStreamJson(server.url, 'fleeting');
    for (const [iterator, shardId] of [
      [iterator0, 'shardId-000000000000'],
      [iterator1, 'shardId-000000000001'],
    ] as const) {
      await expectError(
        server.url,
        'GetRecords',
        { ShardIterator: iterator },
        'ResourceNotFoundException',
        `Shard ${shardId} in stream fleeting under account 000000000000 does not exist`,
      );
    }
    await createStreamJson(server.url, 'fleeting', 1);
    await expectError(
      server.url,
      'GetRecords',
      { ShardIterator: iterator1 },
      'ResourceNotFoundException',
      'Shard shardId-000000000001 in stream fleeting under account 000000000000 does not exist',
    );
    const reborn = await getRecords(server.url, { ShardIterator: iterator0 });
    assert.deepEqual(reborn.Records, []);
    await putKeys(server.url, 'fleeting', ['fresh']);
    assert.deepEqual(keysOf(await getRecords(server.url, { ShardIterator: reborn.NextShardIterator })), ['fresh']);
  });
});

describe('GetRecords behaviour while a stream is DELETING', () => {
  let slow: ServerProcess;
  let iterator: string;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', '60000'] });
    await createStreamJson(slow.url, 'deleting', 1);
    iterator = await iteratorOf(slow.url, 'deleting', 'shardId-0');
    await expectEmptySuccess(slow.url, 'DeleteStream', { StreamName: 'deleting' });
  });
  after(async () => {
    await slow.stop();
  });

  test('does not find the shard of a DELETING stream', () =>
    expectError(
      slow.url,
      'GetRecords',
      { ShardIterator: iterator },
      'ResourceNotFoundException',
      'Shard shardId-000000000000 in stream deleting under account 000000000000 does not exist',
    ));
  test('refuses an iterator sealed by another server', async () => {
    const foreign = await iteratorOf(server.url, 'reads', 'shardId-0');
    await expectError(
      slow.url,
      'GetRecords',
      { ShardIterator: foreign },
      'InvalidArgumentException',
      'Invalid ShardIterator.',
    );
  });
});

describe('GetRecords on a closed shard', () => {
  interface ChildPage extends Page {
    ChildShards?: Array<{ ShardId: string; ParentShards: string[]; HashKeyRange: Record<string, string> }>;
  }

  test('returns the remaining records, then no NextShardIterator and the ChildShards to continue with', async () => {
    await createStreamJson(server.url, 'closing', 2);
    const written = await putKeys(server.url, 'closing', ['a', 'b', 'c']);
    const iterator = await iteratorOf(server.url, 'closing', 'shardId-000000000000');
    await expectSuccess(server.url, 'MergeShards', {
      StreamName: 'closing',
      ShardToMerge: 'shardId-000000000000',
      AdjacentShardToMerge: 'shardId-000000000001',
    });
    await waitForStatusJson(server.url, 'closing', 'ACTIVE');
    const first = await getRecords(server.url, { ShardIterator: iterator, Limit: 2 });
    assert.deepEqual(keysOf(first), ['a', 'b']);
    assert.equal(typeof first.NextShardIterator, 'string');
    assert.equal((first as ChildPage).ChildShards, undefined, 'children are named only at the end');
    const last = (await getRecords(server.url, { ShardIterator: first.NextShardIterator })) as ChildPage;
    assert.deepEqual(keysOf(last), ['c']);
    assert.equal(last.Records.at(-1)?.SequenceNumber, written.at(-1));
    assert.equal(last.NextShardIterator, undefined);
    assert.equal(last.MillisBehindLatest, 0);
    assert.deepEqual(last.ChildShards, [
      {
        ShardId: 'shardId-000000000002',
        ParentShards: ['shardId-000000000000', 'shardId-000000000001'],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: '340282366920938463463374607431768211455' },
      },
    ]);
  });
  test('answers an iterator positioned after the last record with the children at once', async () => {
    const sequence = (await expectSuccess(server.url, 'DescribeStream', { StreamName: 'closing' })) as {
      StreamDescription: { Shards: Array<{ SequenceNumberRange: { EndingSequenceNumber?: string } }> };
    };
    const ending = sequence.StreamDescription.Shards[0]?.SequenceNumberRange.EndingSequenceNumber;
    const { ShardIterator } = await expectSuccess(server.url, 'GetShardIterator', {
      StreamName: 'closing',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
      StartingSequenceNumber: ending,
    });
    const page = (await getRecords(server.url, { ShardIterator })) as ChildPage;
    assert.deepEqual([page.Records, page.NextShardIterator], [[], undefined]);
    assert.deepEqual(
      page.ChildShards?.map((child) => child.ShardId),
      ['shardId-000000000002'],
    );
  });
});
