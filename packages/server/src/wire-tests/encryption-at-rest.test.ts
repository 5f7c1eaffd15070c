/**
 * Acceptance: encryption at rest through the AWS SDK against a server on disk. Records written
 * before StartStreamEncryption are in the segment files as written; records written after are
 * not, anywhere in the data directory; every record reads back exactly across the switch and
 * across a restart, with the key ring kept in the data directory or given in the configuration.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  StartStreamEncryptionCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { enabledAlias, type KmsKeysFile, writeKmsKeysFile } from '../testing/kms-keys.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { createActiveStream, readShardFrom, waitForActive } from '../testing/streams.js';

/** Every file below the directory that holds `needle` anywhere in its bytes. */
function filesContaining(directory: string, needle: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(directory)) {
    const full = path.join(directory, name);
    if (statSync(full).isDirectory()) found.push(...filesContaining(full, needle));
    else if (readFileSync(full).includes(needle)) found.push(path.relative(directory, full));
  }
  return found;
}

async function readStream(client: KinesisClient, stream: string): Promise<Array<[string, string | undefined]>> {
  const records = await readShardFrom(client, stream, 'shardId-000000000000', { ShardIteratorType: 'TRIM_HORIZON' });
  return records.map((record) => [Buffer.from(record.Data ?? []).toString(), record.EncryptionType]);
}

async function encrypt(client: KinesisClient, stream: string, keyId: string): Promise<void> {
  await client.send(new StartStreamEncryptionCommand({ StreamName: stream, EncryptionType: 'KMS', KeyId: keyId }));
  await waitForActive(client, stream);
}

describe('encryption at rest', () => {
  let keys: KmsKeysFile;
  let server: ServerProcess;
  let client: KinesisClient;
  before(async () => {
    keys = writeKmsKeysFile();
    server = await startServerProcess({ args: ['--kms-keys', keys.path] });
    client = kinesisClient(server.url);
  });
  after(async () => {
    client.destroy();
    await server.stop();
    keys.remove();
  });

  test('records written after StartStreamEncryption are nowhere on disk in the clear', async () => {
    await createActiveStream(client, 'secrets', 1);
    await client.send(
      new PutRecordCommand({ StreamName: 'secrets', PartitionKey: 'p', Data: Buffer.from('canary-before') }),
    );
    assert.deepEqual(
      filesContaining(path.join(server.dataDir, 'log'), 'canary-before').length,
      1,
      'the plain record is in its segment file',
    );

    await encrypt(client, 'secrets', 'alias/aws/kinesis');
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'secrets' }));
    assert.equal(summary.StreamDescriptionSummary?.EncryptionType, 'KMS');
    assert.equal(summary.StreamDescriptionSummary?.KeyId, 'alias/aws/kinesis');
    const put = await client.send(
      new PutRecordCommand({ StreamName: 'secrets', PartitionKey: 'p', Data: Buffer.from('canary-after-1') }),
    );
    assert.equal(put.EncryptionType, 'KMS');
    const batch = await client.send(
      new PutRecordsCommand({
        StreamName: 'secrets',
        Records: [{ PartitionKey: 'canary-key', Data: Buffer.from('canary-after-2') }],
      }),
    );
    assert.equal(batch.EncryptionType, 'KMS');

    assert.deepEqual(filesContaining(server.dataDir, 'canary-after'), [], 'no sealed record in any file');
    assert.deepEqual(filesContaining(server.dataDir, 'canary-key'), [], 'nor a sealed partition key');
    assert.equal(filesContaining(path.join(server.dataDir, 'log'), 'canary-before').length, 1);
    const ring = JSON.parse(readFileSync(path.join(server.dataDir, 'keyring.json'), 'utf8')) as {
      keys: Array<{ aliases: string[] }>;
    };
    assert.deepEqual(
      ring.keys.map((key) => key.aliases),
      [['alias/aws/kinesis']],
      'the key ring file was created with the AWS-managed key',
    );

    assert.deepEqual(await readStream(client, 'secrets'), [
      ['canary-before', undefined],
      ['canary-after-1', 'KMS'],
      ['canary-after-2', 'KMS'],
    ]);
  });

  test('a configured key seals too, and every record reads back exactly after a restart', async () => {
    await createActiveStream(client, 'configured', 1);
    await client.send(
      new PutRecordCommand({ StreamName: 'configured', PartitionKey: 'p', Data: Buffer.from('plain') }),
    );
    await encrypt(client, 'configured', enabledAlias);
    await client.send(
      new PutRecordCommand({ StreamName: 'configured', PartitionKey: 'p', Data: Buffer.from('canary-configured') }),
    );
    assert.deepEqual(filesContaining(server.dataDir, 'canary-configured'), []);

    await server.kill('SIGTERM');
    client.destroy();
    server = await server.restart();
    client = kinesisClient(server.url);

    assert.deepEqual(await readStream(client, 'configured'), [
      ['plain', undefined],
      ['canary-configured', 'KMS'],
    ]);
    assert.deepEqual(await readStream(client, 'secrets'), [
      ['canary-before', undefined],
      ['canary-after-1', 'KMS'],
      ['canary-after-2', 'KMS'],
    ]);
    // Still encrypting after the restart, under the same data keys.
    await client.send(
      new PutRecordCommand({ StreamName: 'secrets', PartitionKey: 'p', Data: Buffer.from('canary-restarted') }),
    );
    assert.deepEqual(filesContaining(server.dataDir, 'canary-restarted'), []);
    assert.deepEqual((await readStream(client, 'secrets')).at(-1), ['canary-restarted', 'KMS']);
  });
});
