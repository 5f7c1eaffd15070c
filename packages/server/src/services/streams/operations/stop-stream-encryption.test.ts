import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { testAccountId, transitionNeverMs, waitForStatusJson } from '../../../testing/stream-lifecycle.js';

const account = testAccountId;
let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'sealed', 1);
});
after(async () => {
  await server.stop();
});

const stop = (stream: string, keyId = 'alias/aws/kinesis'): Record<string, unknown> => ({
  StreamName: stream,
  EncryptionType: 'KMS',
  KeyId: keyId,
});

async function encryptionOf(stream: string): Promise<unknown[]> {
  const { StreamDescriptionSummary: summary } = (await expectSuccess(server.url, 'DescribeStreamSummary', {
    StreamName: stream,
  })) as { StreamDescriptionSummary: { EncryptionType: string; KeyId?: string } };
  return [summary.EncryptionType, summary.KeyId];
}

async function readShard(stream: string): Promise<Array<[string, string | undefined]>> {
  const { ShardIterator } = await expectSuccess(server.url, 'GetShardIterator', {
    StreamName: stream,
    ShardId: 'shardId-000000000000',
    ShardIteratorType: 'TRIM_HORIZON',
  });
  const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator });
  return (read.Records as Array<{ Data: string; EncryptionType?: string }>).map((record) => [
    record.Data,
    record.EncryptionType,
  ]);
}

describe('StopStreamEncryption serialization', () => {
  test('rejects an EncryptionType that is not a string', () =>
    expectWrongTypes(
      server.url,
      'StopStreamEncryption',
      (value) => ({ ...stop('sealed'), EncryptionType: value }),
      'String',
    ));
  test('rejects a KeyId that is not a string', () =>
    expectWrongTypes(server.url, 'StopStreamEncryption', (value) => ({ ...stop('sealed'), KeyId: value }), 'String'));
});

describe('StopStreamEncryption validation', () => {
  test('requires EncryptionType and KeyId', () =>
    expectValidation(server.url, 'StopStreamEncryption', { StreamName: 'sealed' }, [
      violation(null, 'keyId', 'Member must not be null'),
      violation(null, 'encryptionType', 'Member must not be null'),
    ]));
  test('refuses an EncryptionType outside the enum', () =>
    expectValidation(server.url, 'StopStreamEncryption', { ...stop('sealed'), EncryptionType: 'AES' }, [
      violation('AES', 'encryptionType', 'Member must satisfy enum value set: [KMS, NONE]'),
    ]));
});

describe('StopStreamEncryption behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'StopStreamEncryption',
      { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'StopStreamEncryption',
      stop('nope'),
      'ResourceNotFoundException',
      `Stream nope under account ${account} not found.`,
    ));
  test('refuses EncryptionType NONE', () =>
    expectError(
      server.url,
      'StopStreamEncryption',
      { ...stop('sealed'), EncryptionType: 'NONE' },
      'InvalidArgumentException',
      'Encryption type NONE is not valid for StopStreamEncryption. Specify KMS.',
    ));
  test('stops encrypting new records; the sealed ones still read back', async () => {
    await createStreamJson(server.url, 'switched', 1);
    await expectEmptySuccess(server.url, 'StartStreamEncryption', stop('switched'));
    await waitForStatusJson(server.url, 'switched', 'ACTIVE');
    const sealed = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'switched',
      PartitionKey: 'k',
      Data: 'AQID',
    });
    assert.equal(sealed.EncryptionType, 'KMS');
    await expectEmptySuccess(server.url, 'StopStreamEncryption', stop('switched'));
    await waitForStatusJson(server.url, 'switched', 'ACTIVE');
    assert.deepEqual(await encryptionOf('switched'), ['NONE', undefined]);
    const plain = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'switched',
      PartitionKey: 'k',
      Data: 'BAUG',
    });
    assert.equal(plain.EncryptionType, 'NONE');
    assert.deepEqual(await readShard('switched'), [
      ['AQID', 'KMS'],
      ['BAUG', undefined],
    ]);
  });
  test('starting again after a stop seals with a new data key, and every record still reads back', async () => {
    await createStreamJson(server.url, 'again', 1);
    for (const [data, action] of [
      ['AAAA', 'StartStreamEncryption'],
      ['AQID', 'StopStreamEncryption'],
      ['BAUG', 'StartStreamEncryption'],
    ] as const) {
      await expectEmptySuccess(server.url, action, stop('again'));
      await waitForStatusJson(server.url, 'again', 'ACTIVE');
      await expectSuccess(server.url, 'PutRecord', { StreamName: 'again', PartitionKey: 'k', Data: data });
    }
    assert.deepEqual(await readShard('again'), [
      ['AAAA', 'KMS'],
      ['AQID', undefined],
      ['BAUG', 'KMS'],
    ]);
  });
});

describe('StopStreamEncryption behaviour while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'updating', 1);
  });
  after(async () => {
    await slow.stop();
  });

  test('moves the stream to UPDATING, where it answers ResourceInUseException', async () => {
    await expectEmptySuccess(slow.url, 'StopStreamEncryption', stop('updating'));
    await expectError(
      slow.url,
      'StopStreamEncryption',
      stop('updating'),
      'ResourceInUseException',
      `Stream updating under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
