/**
 * Acceptance: retention through the AWS SDK against a server on disk. Records are written, the
 * server restarts a day and an hour later (the hidden `--clock-offset-ms` moves its clock instead
 * of the test waiting), and its first retention pass deletes them: TRIM_HORIZON and AT_TIMESTAMP
 * start after them, their segment files are gone, and new records are served as usual.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DescribeStreamCommand, type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { startServerProcess } from '../testing/server-process.js';
import { createActiveStream, readShardFrom } from '../testing/streams.js';

const dayAndHourMs = 25 * 3_600_000;
const pollsMax = 500;

async function readFrom(
  client: KinesisClient,
  position: { ShardIteratorType: 'TRIM_HORIZON' } | { ShardIteratorType: 'AT_TIMESTAMP'; Timestamp: Date },
): Promise<string[]> {
  const records = await readShardFrom(client, 'expiring', 'shardId-000000000000', position);
  return records.map((record) => Buffer.from(record.Data ?? []).toString());
}

describe('retention', () => {
  test('records older than the retention period are deleted and the trim horizon moves past them', async () => {
    let server = await startServerProcess();
    let client = kinesisClient(server.url);
    try {
      await createActiveStream(client, 'expiring', 1);
      const writtenAt = new Date();
      for (const data of ['old-1', 'old-2', 'old-3']) {
        await client.send(new PutRecordCommand({ StreamName: 'expiring', PartitionKey: 'p', Data: Buffer.from(data) }));
      }
      assert.deepEqual(await readFrom(client, { ShardIteratorType: 'TRIM_HORIZON' }), ['old-1', 'old-2', 'old-3']);
      await server.kill('SIGTERM');
      client.destroy();

      server = await startServerProcess({
        dataDir: server.dataDir,
        args: ['--clock-offset-ms', String(dayAndHourMs), '--retention-interval-ms', '50'],
      });
      client = kinesisClient(server.url);
      const logDirectory = path.join(server.dataDir, 'log');
      const shardDirectory = path.join(logDirectory, readdirSync(logDirectory)[0] ?? '', '000000');
      // Readers stop seeing the expired segment first; its files go once reads under way are done.
      let left = await readFrom(client, { ShardIteratorType: 'TRIM_HORIZON' });
      let files = readdirSync(shardDirectory);
      for (let poll = 0; poll < pollsMax && (left.length > 0 || files.length > 1); poll++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        left = await readFrom(client, { ShardIteratorType: 'TRIM_HORIZON' });
        files = readdirSync(shardDirectory);
      }
      assert.deepEqual(left, [], 'the expired records are gone');
      assert.deepEqual(files, ['00000000000000000003.log'], 'their segment is deleted');

      await client.send(
        new PutRecordCommand({ StreamName: 'expiring', PartitionKey: 'p', Data: Buffer.from('new-1') }),
      );
      assert.deepEqual(await readFrom(client, { ShardIteratorType: 'TRIM_HORIZON' }), ['new-1']);
      // A time before the horizon reads from the horizon (AWS: "the oldest untrimmed data record").
      assert.deepEqual(await readFrom(client, { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: writtenAt }), ['new-1']);
      const described = await client.send(new DescribeStreamCommand({ StreamName: 'expiring' }));
      assert.equal(described.StreamDescription?.Shards?.length, 1, 'an open shard stays listed');
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
