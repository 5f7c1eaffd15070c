import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  callJson,
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

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'iterated', 3);
});
after(async () => {
  await server.stop();
});

const account = '000000000000';
const typeMismatch = (type: string, also: boolean): string =>
  'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
  `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and ` +
  `${also ? 'also a' : 'no'} StartingSequenceNumber.`;
const shardMissing = (shardId: string, stream: string): string =>
  `Shard ${shardId} in stream ${stream} under account ${account} does not exist`;

/** Puts one record into shard 0 or 2 of `stream` (by explicit hash key) and returns its sequence number. */
async function putInto(stream: string, shardIndex: 0 | 2, text: string): Promise<string> {
  const explicitHashKey = shardIndex === 0 ? '0' : ((1n << 128n) - 1n).toString();
  const answer = await expectSuccess(server.url, 'PutRecord', {
    StreamName: stream,
    PartitionKey: text,
    Data: Buffer.from(text).toString('base64'),
    ExplicitHashKey: explicitHashKey,
  });
  return answer.SequenceNumber as string;
}

async function iterator(input: Record<string, unknown>): Promise<string> {
  const answer = await expectSuccess(server.url, 'GetShardIterator', input);
  assert.deepEqual(Object.keys(answer), ['ShardIterator']);
  return answer.ShardIterator as string;
}

/** The partition keys GetRecords returns for a fresh iterator. */
async function readKeys(input: Record<string, unknown>): Promise<string[]> {
  const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator: await iterator(input) });
  return (read.Records as Array<{ PartitionKey: string }>).map((record) => record.PartitionKey);
}

describe('GetShardIterator serialization', () => {
  const valid = { StreamName: 'iterated', ShardId: 'shardId-0', ShardIteratorType: 'LATEST' };
  test('rejects a ShardId that is not a string', () =>
    expectWrongTypes(server.url, 'GetShardIterator', (value) => ({ ...valid, ShardId: value }), 'String'));
  test('rejects a ShardIteratorType that is not a string', () =>
    expectWrongTypes(server.url, 'GetShardIterator', (value) => ({ ...valid, ShardIteratorType: value }), 'String'));
  test('rejects a StartingSequenceNumber that is not a string', () =>
    expectWrongTypes(
      server.url,
      'GetShardIterator',
      (value) => ({ ...valid, StartingSequenceNumber: value }),
      'String',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'GetShardIterator', (value) => ({ ...valid, StreamName: value }), 'String'));
  test('rejects a Timestamp that is not a timestamp', () =>
    expectWrongTypes(
      server.url,
      'GetShardIterator',
      (value) => ({ ...valid, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: value }),
      'Timestamp',
    ));
});

describe('GetShardIterator validation', () => {
  test('requires ShardId and ShardIteratorType', () =>
    expectValidation(server.url, 'GetShardIterator', {}, [
      violation(null, 'shardId', 'Member must not be null'),
      violation(null, 'shardIteratorType', 'Member must not be null'),
    ]));
  test('lists six violations of empty values in AWS order, with the enum in AWS order', () =>
    expectValidation(
      server.url,
      'GetShardIterator',
      { StreamName: '', ShardIteratorType: '', ShardId: '', StartingSequenceNumber: '' },
      [
        violation('', 'shardId', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
        violation('', 'shardId', 'Member must have length greater than or equal to 1'),
        violation(
          '',
          'shardIteratorType',
          'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
        ),
        violation('', 'startingSequenceNumber', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})'),
        violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
        violation('', 'streamName', 'Member must have length greater than or equal to 1'),
      ],
    ));
  test('limits ShardId and StreamName to 128 characters', () => {
    const name = 'a'.repeat(129);
    return expectValidation(
      server.url,
      'GetShardIterator',
      { StreamName: name, ShardId: name, ShardIteratorType: 'LATEST' },
      [
        violation(name, 'shardId', 'Member must have length less than or equal to 128'),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
});

describe('GetShardIterator behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'GetShardIterator',
      { ShardId: 'shardId-0', ShardIteratorType: 'LATEST' },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('names the shard, not the stream, when the stream does not exist', async () => {
    for (const shardId of ['2147483647', 'anything-2147483647', 'a-00002147483647', '-00002147483647']) {
      await expectError(
        server.url,
        'GetShardIterator',
        { StreamName: 'nope', ShardId: shardId, ShardIteratorType: 'LATEST' },
        'ResourceNotFoundException',
        shardMissing('shardId-002147483647', 'nope'),
      );
    }
  });
  test('cannot find a ShardId that is not a number after its prefix or is beyond 2^31-1', async () => {
    for (const shardId of ['2147483648', 'shardId-002147483648', 'ABKLFD8', '2.14E4']) {
      await expectError(
        server.url,
        'GetShardIterator',
        { StreamName: 'nope', ShardId: shardId, ShardIteratorType: 'LATEST' },
        'ResourceNotFoundException',
        `Could not find shard ${shardId} in stream nope under account ${account}.`,
      );
    }
  });
  test('answers ResourceNotFoundException for a shard the stream does not have', () =>
    expectError(
      server.url,
      'GetShardIterator',
      { StreamName: 'iterated', ShardId: 'shardId-5', ShardIteratorType: 'LATEST' },
      'ResourceNotFoundException',
      shardMissing('shardId-000000000005', 'iterated'),
    ));
  test('accepts any prefix before the shard number', async () => {
    for (const type of ['LATEST', 'TRIM_HORIZON']) {
      await iterator({ StreamName: 'iterated', ShardId: 'prefix-0', ShardIteratorType: type });
      await iterator({ StreamName: 'iterated', ShardId: 'shard-2', ShardIteratorType: type });
      await iterator({ StreamName: 'iterated', ShardId: '1', ShardIteratorType: type });
    }
  });
  test('requires a StartingSequenceNumber for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER', async () => {
    for (const type of ['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER']) {
      await expectError(
        server.url,
        'GetShardIterator',
        { StreamName: 'iterated', ShardId: 'shardId-0', ShardIteratorType: type },
        'InvalidArgumentException',
        typeMismatch(type, false),
      );
    }
  });
  test('refuses a StartingSequenceNumber with LATEST and TRIM_HORIZON', async () => {
    for (const type of ['LATEST', 'TRIM_HORIZON']) {
      await expectError(
        server.url,
        'GetShardIterator',
        { StreamName: 'iterated', ShardId: 'shardId-0', ShardIteratorType: type, StartingSequenceNumber: '5' },
        'InvalidArgumentException',
        typeMismatch(type, true),
      );
    }
  });
  test('refuses a sequence number that no shard could have issued', () => {
    const sequence = '26227199374822427428162556223570313216';
    return expectError(
      server.url,
      'GetShardIterator',
      {
        StreamName: 'iterated',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: sequence,
      },
      'InvalidArgumentException',
      `StartingSequenceNumber ${sequence} used in GetShardIterator on shard shardId-000000000000 in stream iterated ` +
        `under account ${account} is invalid.`,
    );
  });
  test('refuses a sequence number of this shard that it has not issued yet', async () => {
    const issued = await putInto('iterated', 0, 'issued');
    const future = (BigInt(issued) + 1000n).toString();
    await expectError(
      server.url,
      'GetShardIterator',
      {
        StreamName: 'iterated',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: future,
      },
      'InvalidArgumentException',
      `StartingSequenceNumber ${future} used in GetShardIterator on shard shardId-000000000000 in stream iterated ` +
        `under account ${account} is invalid.`,
    );
  });
  test('refuses a sequence number issued by another shard, naming both shards', async () => {
    const sequence = await putInto('iterated', 2, 'other-shard');
    await expectError(
      server.url,
      'GetShardIterator',
      {
        StreamName: 'iterated',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: sequence,
      },
      'InvalidArgumentException',
      'Invalid StartingSequenceNumber. It encodes shardId-000000000002, while it was used in a call to a shard with shardId-000000000000',
    );
  });
  test('refuses a sequence number from a deleted stream of the same name', async () => {
    await createStreamJson(server.url, 'recreated', 1);
    const old = await putInto('recreated', 0, 'old');
    await deleteStreamJson(server.url, 'recreated');
    await createStreamJson(server.url, 'recreated', 1);
    await putInto('recreated', 0, 'new');
    await expectError(
      server.url,
      'GetShardIterator',
      {
        StreamName: 'recreated',
        ShardId: 'shardId-0',
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: old,
      },
      'InvalidArgumentException',
      `StartingSequenceNumber ${old} used in GetShardIterator on shard shardId-000000000000 in stream recreated ` +
        `under account ${account} is invalid because it did not come from this stream.`,
    );
  });
  test('positions AT_SEQUENCE_NUMBER on the record and AFTER_SEQUENCE_NUMBER just after it', async () => {
    await createStreamJson(server.url, 'positions', 1);
    await putInto('positions', 0, 'first');
    const second = await putInto('positions', 0, 'second');
    await putInto('positions', 0, 'third');
    const base = { StreamName: 'positions', ShardId: 'shardId-000000000000', StartingSequenceNumber: second };
    assert.deepEqual(await readKeys({ ...base, ShardIteratorType: 'AT_SEQUENCE_NUMBER' }), ['second', 'third']);
    assert.deepEqual(await readKeys({ ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER' }), ['third']);
  });
  test('positions TRIM_HORIZON at the oldest record and LATEST after the newest', async () => {
    await createStreamJson(server.url, 'ends', 1);
    await putInto('ends', 0, 'before');
    const latest = await iterator({ StreamName: 'ends', ShardId: 'shardId-0', ShardIteratorType: 'LATEST' });
    await putInto('ends', 0, 'after');
    assert.deepEqual(await readKeys({ StreamName: 'ends', ShardId: 'shardId-0', ShardIteratorType: 'TRIM_HORIZON' }), [
      'before',
      'after',
    ]);
    const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator: latest });
    assert.deepEqual(
      (read.Records as Array<{ PartitionKey: string }>).map((record) => record.PartitionKey),
      ['after'],
    );
  });
  test('requires a Timestamp for AT_TIMESTAMP', () =>
    expectError(
      server.url,
      'GetShardIterator',
      { StreamName: 'iterated', ShardId: 'shardId-0', ShardIteratorType: 'AT_TIMESTAMP' },
      'InvalidArgumentException',
      'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
    ));
  test('refuses an AT_TIMESTAMP in the future, quoting both times in milliseconds', async () => {
    const askedMs = Date.now() + 3_600_000;
    const answer = await callJson(server.url, 'GetShardIterator', {
      StreamName: 'iterated',
      ShardId: 'shardId-0',
      ShardIteratorType: 'AT_TIMESTAMP',
      Timestamp: askedMs / 1000,
    });
    assert.equal(answer.statusCode, 400);
    assert.equal(answer.body.__type, 'InvalidArgumentException');
    const match =
      /^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. timestampInMillis: (\d+), currentTimestampInMillis: (\d+)$/.exec(
        answer.body.message as string,
      );
    assert.ok(match, String(answer.body.message));
    assert.equal(Number(match[1]), askedMs);
    assert.ok(Number(match[2]) < askedMs && Number(match[2]) > askedMs - 3_660_000);
  });
  test('positions AT_TIMESTAMP at the first record that arrived at or after the time', async () => {
    await createStreamJson(server.url, 'timed', 1);
    const trimHorizon = { StreamName: 'timed', ShardId: 'shardId-0', ShardIteratorType: 'TRIM_HORIZON' };
    await putInto('timed', 0, 'early');
    // Put (bounded) until a record arrives in a later millisecond than the first one.
    let arrivals: Array<{ PartitionKey: string; ApproximateArrivalTimestamp: number }> = [];
    for (let attempt = 0; attempt < 10_000; attempt++) {
      await putInto('timed', 0, `late-${attempt}`);
      const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator: await iterator(trimHorizon) });
      arrivals = read.Records as typeof arrivals;
      if ((arrivals.at(-1)?.ApproximateArrivalTimestamp ?? 0) > (arrivals[0]?.ApproximateArrivalTimestamp ?? 0)) break;
    }
    const last = arrivals.at(-1);
    assert.ok(last && last.ApproximateArrivalTimestamp > (arrivals[0]?.ApproximateArrivalTimestamp ?? 0));
    const firstAtLastTime = arrivals.find(
      (record) => record.ApproximateArrivalTimestamp === last.ApproximateArrivalTimestamp,
    );
    const atTimestamp = { ...trimHorizon, ShardIteratorType: 'AT_TIMESTAMP' };
    const keys = await readKeys({ ...atTimestamp, Timestamp: last.ApproximateArrivalTimestamp });
    assert.equal(keys[0], firstAtLastTime?.PartitionKey);
    assert.equal(keys.at(-1), last.PartitionKey);
    assert.deepEqual(
      await readKeys({ ...atTimestamp, Timestamp: 0 }),
      arrivals.map((record) => record.PartitionKey),
    );
  });
});

describe('GetShardIterator behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('does not find the shards of a stream that has none yet', () =>
    expectError(
      slow.url,
      'GetShardIterator',
      { StreamName: 'creating', ShardId: 'shardId-0', ShardIteratorType: 'LATEST' },
      'ResourceNotFoundException',
      shardMissing('shardId-000000000000', 'creating'),
    ));
});
