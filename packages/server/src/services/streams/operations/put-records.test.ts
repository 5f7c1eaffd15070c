import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectErrorMatching,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'batch', 3);
});
after(async () => {
  await server.stop();
});

const data = Buffer.from('hello').toString('base64');
const hashKeyMax = (1n << 128n) - 1n;
const thirdOfSpace = (1n << 128n) / 3n;

interface PutRecordsAnswer {
  FailedRecordCount: number;
  Records: Array<{ ShardId?: string; SequenceNumber?: string; ErrorCode?: string }>;
  EncryptionType: string;
}

async function putRecords(records: unknown[]): Promise<PutRecordsAnswer> {
  return (await expectSuccess(server.url, 'PutRecords', {
    StreamName: 'batch',
    Records: records,
  })) as unknown as PutRecordsAnswer;
}

describe('PutRecords serialization', () => {
  test('rejects Records that are not a list', () =>
    expectWrongTypes(server.url, 'PutRecords', (value) => ({ StreamName: 'batch', Records: value }), 'List'));
  test('rejects a record that is not a structure', () =>
    expectWrongTypes(server.url, 'PutRecords', (value) => ({ StreamName: 'batch', Records: [value] }), 'Structure'));
  test('rejects a record Data that is not a base64 blob', () =>
    expectWrongTypes(
      server.url,
      'PutRecords',
      (value) => ({ StreamName: 'batch', Records: [{ PartitionKey: 'a', Data: value }] }),
      'Blob',
    ));
  test('rejects a record PartitionKey that is not a string', () =>
    expectWrongTypes(
      server.url,
      'PutRecords',
      (value) => ({ StreamName: 'batch', Records: [{ PartitionKey: value, Data: data }] }),
      'String',
    ));
  test('rejects a record ExplicitHashKey that is not a string', () =>
    expectWrongTypes(
      server.url,
      'PutRecords',
      (value) => ({ StreamName: 'batch', Records: [{ PartitionKey: 'a', Data: data, ExplicitHashKey: value }] }),
      'String',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'PutRecords', (value) => ({ StreamName: value, Records: [] }), 'String'));
});

describe('PutRecords validation', () => {
  test('requires Records', () =>
    expectValidation(server.url, 'PutRecords', { StreamName: 'batch' }, [
      violation(null, 'records', 'Member must not be null'),
    ]));
  test('requires at least one record, listed before an empty StreamName', () =>
    expectValidation(server.url, 'PutRecords', { StreamName: '', Records: [] }, [
      violation('[]', 'records', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('requires PartitionKey and Data in every record', () =>
    expectValidation(
      server.url,
      'PutRecords',
      { StreamName: 'batch', Records: [{ PartitionKey: 'a', Data: data }, {}] },
      [
        violation(null, 'records.2.member.partitionKey', 'Member must not be null'),
        violation(null, 'records.2.member.data', 'Member must not be null'),
      ],
    ));
  test('checks each record member before the stream name', () =>
    expectValidation(
      server.url,
      'PutRecords',
      { StreamName: '', Records: [{ PartitionKey: '', Data: '', ExplicitHashKey: '' }] },
      [
        violation('', 'records.1.member.partitionKey', 'Member must have length greater than or equal to 1'),
        violation(
          '',
          'records.1.member.explicitHashKey',
          'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})',
        ),
        violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
        violation('', 'streamName', 'Member must have length greater than or equal to 1'),
      ],
    ));
  test('limits PartitionKey to 256 characters and Data to 10 MiB', () => {
    const name = 'a'.repeat(129);
    const key = 'k'.repeat(257);
    const bigData = Buffer.alloc(10 * 1024 * 1024 + 1).toString('base64');
    return expectValidation(
      server.url,
      'PutRecords',
      { StreamName: name, Records: [{ PartitionKey: key, Data: bigData, ExplicitHashKey: '' }] },
      [
        violation(key, 'records.1.member.partitionKey', 'Member must have length less than or equal to 256'),
        violation(
          '',
          'records.1.member.explicitHashKey',
          'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})',
        ),
        violation(
          'java.nio.HeapByteBuffer[pos=0 lim=10485761 cap=10485761]',
          'records.1.member.data',
          'Member must have length less than or equal to 10485760',
        ),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
  test('refuses more than 500 records and lists no more than ten violations', () => {
    const records = Array.from({ length: 501 }, () => ({ PartitionKey: '', Data: '' }));
    const entry = 'com\\.amazonaws\\.kinesis\\.v20131202\\.PutRecordsRequestEntry@[0-9a-f]+';
    const keys = Array.from(
      { length: 9 },
      (_, index) =>
        `Value '' at 'records\\.${index + 1}\\.member\\.partitionKey' failed to satisfy constraint: ` +
        'Member must have length greater than or equal to 1',
    );
    return expectErrorMatching(
      server.url,
      'PutRecords',
      { StreamName: '', Records: records },
      'ValidationException',
      new RegExp(
        `^10 validation errors detected: Value '\\[${entry}(, ${entry}){500}\\]' at 'records' failed to satisfy ` +
          `constraint: Member must have length less than or equal to 500; ${keys.join('; ')}$`,
      ),
    );
  });
});

describe('PutRecords behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'PutRecords',
      { Records: [{ PartitionKey: 'a', Data: data }] },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'PutRecords',
      { StreamName: 'nope', Records: [{ PartitionKey: 'a', Data: '' }] },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('refuses the whole batch when one ExplicitHashKey is beyond 2^128-1', () =>
    expectError(
      server.url,
      'PutRecords',
      {
        StreamName: 'batch',
        Records: [
          { PartitionKey: 'a', Data: '', ExplicitHashKey: (1n << 128n).toString() },
          { PartitionKey: 'a', Data: '' },
        ],
      },
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${1n << 128n}`,
    ));
  test('answers one result per record, in request order, routed like AWS', async () => {
    const answer = await putRecords([
      { PartitionKey: 'a', Data: '' },
      { PartitionKey: 'b', Data: '' },
      { PartitionKey: 'e', Data: '' },
      { PartitionKey: 'f', Data: '' },
      { PartitionKey: 'a', Data: '', ExplicitHashKey: hashKeyMax.toString() },
      { PartitionKey: 'a', Data: '', ExplicitHashKey: (thirdOfSpace * 2n - 1n).toString() },
      { PartitionKey: 'a', Data: '', ExplicitHashKey: (thirdOfSpace * 2n).toString() },
    ]);
    assert.equal(answer.FailedRecordCount, 0);
    assert.equal(answer.EncryptionType, 'NONE');
    assert.deepEqual(
      answer.Records.map((record) => record.ShardId),
      [0, 1, 2, 1, 2, 1, 2].map((index) => `shardId-00000000000${index}`),
    );
    for (const record of answer.Records) {
      assert.deepEqual(Object.keys(record).sort(), ['SequenceNumber', 'ShardId']);
      assert.match(record.SequenceNumber ?? '', /^\d{56}$/);
    }
    // Within a shard, later records of the batch get larger sequence numbers.
    for (const [earlier, later] of [
      [1, 3],
      [3, 5],
      [2, 4],
      [4, 6],
    ] as const) {
      assert.ok(
        BigInt(answer.Records[earlier]?.SequenceNumber ?? '') < BigInt(answer.Records[later]?.SequenceNumber ?? ''),
      );
    }
  });
  test('continues each shard after the previous batch', async () => {
    const first = await putRecords([{ PartitionKey: 'x', Data: data, ExplicitHashKey: '0' }]);
    const second = await putRecords([{ PartitionKey: 'x', Data: data, ExplicitHashKey: '0' }]);
    assert.ok(BigInt(second.Records[0]?.SequenceNumber ?? '') > BigInt(first.Records[0]?.SequenceNumber ?? ''));
  });
  test('accepts exactly 500 records', async () => {
    const records = Array.from({ length: 500 }, (_, index) => ({ PartitionKey: `key-${index}`, Data: data }));
    const answer = await putRecords(records);
    assert.equal(answer.FailedRecordCount, 0);
    assert.equal(answer.Records.length, 500);
    assert.ok(answer.Records.every((record) => record.SequenceNumber !== undefined));
  });
  test('stores the records so that a reader gets them back in order', async () => {
    await createStreamJson(server.url, 'readback', 1);
    const sent = ['one', 'two', 'three'].map((text) => Buffer.from(text).toString('base64'));
    const put = (await expectSuccess(server.url, 'PutRecords', {
      StreamName: 'readback',
      Records: sent.map((Data, index) => ({ PartitionKey: `p${index}`, Data })),
    })) as unknown as PutRecordsAnswer;
    const { ShardIterator } = await expectSuccess(server.url, 'GetShardIterator', {
      StreamName: 'readback',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator });
    const records = read.Records as Array<{ Data: string; PartitionKey: string; SequenceNumber: string }>;
    assert.deepEqual(
      records.map(({ Data, PartitionKey, SequenceNumber }) => ({ Data, PartitionKey, SequenceNumber })),
      sent.map((Data, index) => ({
        Data,
        PartitionKey: `p${index}`,
        SequenceNumber: put.Records[index]?.SequenceNumber,
      })),
    );
  });
  test('refuses the whole batch when a record exceeds the stream maximum record size', () =>
    expectError(
      server.url,
      'PutRecords',
      {
        StreamName: 'batch',
        Records: [
          { PartitionKey: 'a', Data: data },
          { PartitionKey: 'ab', Data: Buffer.alloc(1024 * 1024 - 1).toString('base64') },
        ],
      },
      'ValidationException',
      'Record size 1048577 bytes exceeds the maximum record size of 1024 KiB configured for stream batch.',
    ));
});

describe('PutRecords behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('answers ResourceNotFoundException, as AWS does for a stream that is not ready', () =>
    expectError(
      slow.url,
      'PutRecords',
      { StreamName: 'creating', Records: [{ PartitionKey: 'a', Data: '' }] },
      'ResourceNotFoundException',
      'Stream creating under account 000000000000 not found.',
    ));
});
