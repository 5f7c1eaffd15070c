import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KMSNotFoundException, StartStreamEncryptionCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import {
  disabledAlias,
  disabledKeyId,
  enabledAlias,
  enabledKeyId,
  type KmsKeysFile,
  kmsAliasArn,
  kmsKeyArn,
  writeKmsKeysFile,
} from '../../../testing/kms-keys.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import {
  testAccountId,
  testStreamArn,
  transitionNeverMs,
  waitForStatusJson,
} from '../../../testing/stream-lifecycle.js';

const account = testAccountId;
let keys: KmsKeysFile;
let server: ServerProcess;
before(async () => {
  keys = writeKmsKeysFile();
  server = await startServerProcess({ inMemory: true, args: ['--kms-keys', keys.path] });
  await createStreamJson(server.url, 'sealed', 1);
});
after(async () => {
  await server.stop();
  keys.remove();
});

const start = (stream: string, keyId: string): Record<string, unknown> => ({
  StreamName: stream,
  EncryptionType: 'KMS',
  KeyId: keyId,
});

async function encryptionOf(stream: string): Promise<unknown[]> {
  const { StreamDescription: full } = (await expectSuccess(server.url, 'DescribeStream', { StreamName: stream })) as {
    StreamDescription: { EncryptionType: string; KeyId?: string };
  };
  const { StreamDescriptionSummary: summary } = (await expectSuccess(server.url, 'DescribeStreamSummary', {
    StreamName: stream,
  })) as { StreamDescriptionSummary: { EncryptionType: string; KeyId?: string } };
  assert.deepEqual([summary.EncryptionType, summary.KeyId], [full.EncryptionType, full.KeyId], 'both agree');
  return [full.EncryptionType, full.KeyId];
}

describe('StartStreamEncryption serialization', () => {
  test('rejects an EncryptionType that is not a string', () =>
    expectWrongTypes(
      server.url,
      'StartStreamEncryption',
      (value) => ({ ...start('sealed', enabledAlias), EncryptionType: value }),
      'String',
    ));
  test('rejects a KeyId that is not a string', () =>
    expectWrongTypes(
      server.url,
      'StartStreamEncryption',
      (value) => ({ ...start('sealed', enabledAlias), KeyId: value }),
      'String',
    ));
});

describe('StartStreamEncryption validation', () => {
  test('requires EncryptionType and KeyId', () =>
    expectValidation(server.url, 'StartStreamEncryption', { StreamName: 'sealed' }, [
      violation(null, 'keyId', 'Member must not be null'),
      violation(null, 'encryptionType', 'Member must not be null'),
    ]));
  test('refuses an EncryptionType outside the enum', () =>
    expectValidation(server.url, 'StartStreamEncryption', { ...start('sealed', enabledAlias), EncryptionType: 'AES' }, [
      violation('AES', 'encryptionType', 'Member must satisfy enum value set: [KMS, NONE]'),
    ]));
  test('refuses an empty KeyId and one longer than 2048 characters', async () => {
    await expectValidation(server.url, 'StartStreamEncryption', start('sealed', ''), [
      violation('', 'keyId', 'Member must have length greater than or equal to 1'),
    ]);
    const long = `alias/${'k'.repeat(2043)}`;
    await expectValidation(server.url, 'StartStreamEncryption', start('sealed', long), [
      violation(long, 'keyId', 'Member must have length less than or equal to 2048'),
    ]);
  });
});

describe('StartStreamEncryption behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'StartStreamEncryption',
      { EncryptionType: 'KMS', KeyId: enabledAlias },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream before looking at the key', () =>
    expectError(
      server.url,
      'StartStreamEncryption',
      start('nope', 'alias/missing'),
      'ResourceNotFoundException',
      `Stream nope under account ${account} not found.`,
    ));
  test('refuses EncryptionType NONE', () =>
    expectError(
      server.url,
      'StartStreamEncryption',
      { ...start('sealed', enabledAlias), EncryptionType: 'NONE' },
      'InvalidArgumentException',
      'Encryption type NONE is not valid for StartStreamEncryption. Specify KMS.',
    ));
  test('answers KMSNotFoundException for a key the key ring does not hold, in every form of KeyId', async () => {
    const missingId = '00000000-1111-4222-8333-444444444444';
    const cases: Array<[string, string]> = [
      ['alias/missing', `Alias ${kmsAliasArn('alias/missing')} is not found.`],
      [kmsAliasArn('alias/missing'), `Alias ${kmsAliasArn('alias/missing')} is not found.`],
      [missingId, `Key '${kmsKeyArn(missingId)}' does not exist`],
      [kmsKeyArn(missingId), `Key '${kmsKeyArn(missingId)}' does not exist`],
      // A key of another region is not this region's key, whatever its id.
      [
        `arn:aws:kms:eu-west-1:${account}:key/${enabledKeyId}`,
        `Key 'arn:aws:kms:eu-west-1:${account}:key/${enabledKeyId}' does not exist`,
      ],
      ['not-a-key', "Invalid keyId 'not-a-key'"],
    ];
    for (const [keyId, message] of cases) {
      await expectError(server.url, 'StartStreamEncryption', start('sealed', keyId), 'KMSNotFoundException', message);
    }
    assert.deepEqual(await encryptionOf('sealed'), ['NONE', undefined], 'nothing changed');
  });
  test('answers KMSDisabledException for a disabled key, by id or alias', async () => {
    for (const keyId of [disabledKeyId, disabledAlias, kmsKeyArn(disabledKeyId)]) {
      await expectError(
        server.url,
        'StartStreamEncryption',
        start('sealed', keyId),
        'KMSDisabledException',
        `${kmsKeyArn(disabledKeyId)} is disabled.`,
      );
    }
  });
  test('encrypts with the AWS-managed key, which always exists, and shows the KeyId as given', async () => {
    await createStreamJson(server.url, 'managed', 1);
    await expectEmptySuccess(server.url, 'StartStreamEncryption', start('managed', 'alias/aws/kinesis'));
    assert.deepEqual(await encryptionOf('managed'), ['KMS', 'alias/aws/kinesis']);
  });
  test('accepts a key id, a key ARN, an alias and an alias ARN of a key-ring key', async () => {
    const forms = [enabledKeyId, kmsKeyArn(enabledKeyId), enabledAlias, kmsAliasArn(enabledAlias)];
    for (const [index, keyId] of forms.entries()) {
      await createStreamJson(server.url, `form-${index}`, 1);
      await expectEmptySuccess(server.url, 'StartStreamEncryption', start(`form-${index}`, keyId));
      assert.deepEqual(await encryptionOf(`form-${index}`), ['KMS', keyId]);
    }
  });
  test('addresses the stream by its ARN', async () => {
    await createStreamJson(server.url, 'by-arn', 1);
    await expectEmptySuccess(server.url, 'StartStreamEncryption', {
      StreamARN: testStreamArn('by-arn'),
      EncryptionType: 'KMS',
      KeyId: enabledAlias,
    });
    assert.deepEqual(await encryptionOf('by-arn'), ['KMS', enabledAlias]);
  });
  test('PutRecord, PutRecords and GetRecords report KMS once the stream is encrypted', async () => {
    await createStreamJson(server.url, 'reporting', 1);
    const plain = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'reporting',
      PartitionKey: 'k',
      Data: 'AAAA',
    });
    assert.equal(plain.EncryptionType, 'NONE');
    await expectEmptySuccess(server.url, 'StartStreamEncryption', start('reporting', enabledAlias));
    const sealed = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'reporting',
      PartitionKey: 'k',
      Data: 'AQID',
    });
    assert.equal(sealed.EncryptionType, 'KMS');
    const batch = await expectSuccess(server.url, 'PutRecords', {
      StreamName: 'reporting',
      Records: [{ PartitionKey: 'k', Data: 'BAUG' }],
    });
    assert.equal(batch.EncryptionType, 'KMS');
    const { ShardIterator } = await expectSuccess(server.url, 'GetShardIterator', {
      StreamName: 'reporting',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const read = await expectSuccess(server.url, 'GetRecords', { ShardIterator });
    const records = read.Records as Array<{ Data: string; EncryptionType?: string }>;
    // Per record: the one written before encryption started was stored plain.
    assert.deepEqual(
      records.map((record) => [record.Data, record.EncryptionType]),
      [
        ['AAAA', undefined],
        ['AQID', 'KMS'],
        ['BAUG', 'KMS'],
      ],
    );
  });
  test('refuses a 26th start within 24 hours', async () => {
    await createStreamJson(server.url, 'rotated', 1);
    for (let index = 0; index < 25; index++) {
      await expectEmptySuccess(server.url, 'StartStreamEncryption', start('rotated', enabledAlias));
      await waitForStatusJson(server.url, 'rotated', 'ACTIVE');
    }
    await expectError(
      server.url,
      'StartStreamEncryption',
      start('rotated', enabledAlias),
      'LimitExceededException',
      `Stream rotated under account ${account} has had server-side encryption started 25 times in the last 24 hours, the maximum.`,
    );
  });
  test('through the AWS SDK, an unknown key is a KMSNotFoundException', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new StartStreamEncryptionCommand({ StreamName: 'sealed', EncryptionType: 'KMS', KeyId: enabledAlias }),
      );
      await waitForStatusJson(server.url, 'sealed', 'ACTIVE');
      await assert.rejects(
        client.send(
          new StartStreamEncryptionCommand({ StreamName: 'sealed', EncryptionType: 'KMS', KeyId: 'alias/nope' }),
        ),
        KMSNotFoundException,
      );
    } finally {
      client.destroy();
    }
  });
});

describe('StartStreamEncryption behaviour while a stream is not ACTIVE', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({
      inMemory: true,
      args: ['--create-stream-ms', transitionNeverMs, '--update-stream-ms', transitionNeverMs],
    });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('answers ResourceInUseException for a CREATING stream, before looking at the key', () =>
    expectError(
      slow.url,
      'StartStreamEncryption',
      start('creating', 'alias/missing'),
      'ResourceInUseException',
      `Stream creating under account ${account} not ACTIVE, instead in state CREATING`,
    ));
});

describe('StartStreamEncryption behaviour while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'updating', 1);
  });
  after(async () => {
    await slow.stop();
  });

  test('moves the stream to UPDATING, where a second start is refused', async () => {
    await expectEmptySuccess(slow.url, 'StartStreamEncryption', start('updating', 'alias/aws/kinesis'));
    const summary = await expectSuccess(slow.url, 'DescribeStreamSummary', { StreamName: 'updating' });
    assert.equal((summary.StreamDescriptionSummary as { StreamStatus: string }).StreamStatus, 'UPDATING');
    await expectError(
      slow.url,
      'StartStreamEncryption',
      start('updating', 'alias/aws/kinesis'),
      'ResourceInUseException',
      `Stream updating under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
