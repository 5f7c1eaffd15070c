import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectError,
  expectSerialization,
  expectSuccess,
  expectValidation,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'puts', 2);
});
after(async () => {
  await server.stop();
});
const data = Buffer.from('hello').toString('base64');

describe('PutRecord serialization', () => {
  test('rejects a number as PartitionKey', () =>
    expectSerialization(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 1, Data: data },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
  test('rejects Data that is not base64', () =>
    expectSerialization(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 'a', Data: 'abc' },
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    ));
  test('rejects a list as StreamName', () =>
    expectSerialization(
      server.url,
      'PutRecord',
      { StreamName: [], PartitionKey: 'a', Data: data },
      'Start of list found where not expected',
    ));
});

describe('PutRecord validation', () => {
  test('requires PartitionKey and Data', () =>
    expectValidation(server.url, 'PutRecord', { StreamName: 'puts' }, [
      violation(null, 'partitionKey', 'Member must not be null'),
      violation(null, 'data', 'Member must not be null'),
    ]));
  test('limits PartitionKey to 256 characters and checks the ExplicitHashKey pattern', () =>
    expectValidation(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 'k'.repeat(257), Data: data, ExplicitHashKey: 'x' },
      [
        violation('k'.repeat(257), 'partitionKey', 'Member must have length less than or equal to 256'),
        violation('x', 'explicitHashKey', 'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})'),
      ],
    ));
  test('rejects an empty PartitionKey', () =>
    expectValidation(server.url, 'PutRecord', { StreamName: 'puts', PartitionKey: '', Data: data }, [
      violation('', 'partitionKey', 'Member must have length greater than or equal to 1'),
    ]));
});

describe('PutRecord behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'PutRecord',
      { StreamName: 'nope', PartitionKey: 'a', Data: data },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('refuses an ExplicitHashKey beyond 2^128-1', () =>
    expectError(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 'a', Data: data, ExplicitHashKey: (1n << 128n).toString() },
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${1n << 128n}`,
    ));
  test('routes by ExplicitHashKey and returns increasing sequence numbers', async () => {
    const first = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'puts',
      PartitionKey: 'a',
      Data: data,
      ExplicitHashKey: ((1n << 128n) - 1n).toString(),
    });
    assert.equal(first.ShardId, 'shardId-000000000001');
    assert.equal(first.EncryptionType, 'NONE');
    const second = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'puts',
      PartitionKey: 'a',
      Data: data,
      ExplicitHashKey: ((1n << 128n) - 1n).toString(),
      SequenceNumberForOrdering: first.SequenceNumber,
    });
    assert.ok(BigInt(second.SequenceNumber as string) > BigInt(first.SequenceNumber as string));
    assert.match(second.SequenceNumber as string, /^\d{56}$/);
  });
  test('refuses a SequenceNumberForOrdering that no shard issued', () =>
    expectError(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 'a', Data: data, SequenceNumberForOrdering: '123' },
      'InvalidArgumentException',
      'ExclusiveMinimumSequenceNumber 123 used in PutRecord on stream puts under account 000000000000 is invalid.',
    ));
  test('refuses a record above the stream maximum record size (1 MiB by default)', () =>
    expectError(
      server.url,
      'PutRecord',
      { StreamName: 'puts', PartitionKey: 'ab', Data: Buffer.alloc(1024 * 1024 - 1).toString('base64') },
      'ValidationException',
      'Record size 1048577 bytes exceeds the maximum record size of 1024 KiB configured for stream puts.',
    ));
  test('accepts a record of exactly 1 MiB including its partition key', async () => {
    const answer = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'puts',
      PartitionKey: 'ab',
      Data: Buffer.alloc(1024 * 1024 - 2).toString('base64'),
    });
    assert.ok(answer.SequenceNumber);
  });
});
