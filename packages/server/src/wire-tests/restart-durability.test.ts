/**
 * Acceptance: what Tributary acknowledged is on disk. A server killed with SIGKILL right after
 * PutRecords calls were acknowledged comes back on the same data directory with every one of
 * those records, byte for byte; a clean restart brings back streams, shards, tags and settings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AddTagsToStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListTagsForStreamCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { seededBytes, seededRandom } from '../testing/random.js';
import { startServerProcess } from '../testing/server-process.js';
import { createActiveStream, readShardFrom } from '../testing/streams.js';

describe('durability across restarts', () => {
  test('every record acknowledged before SIGKILL is read back after restart', async () => {
    let server = await startServerProcess();
    try {
      let client = kinesisClient(server.url);
      await createActiveStream(client, 'crash', 3);
      const random = seededRandom(42);
      const acknowledged = new Map<string, { shardId: string; data: string }>();
      const calls = Array.from({ length: 16 }, async (_, call) => {
        const records = Array.from({ length: 100 }, (_, index) => ({
          PartitionKey: `c${call}-r${index}`,
          Data: seededBytes(random, 200 + ((call * 100 + index) % 900)),
        }));
        const result = await client.send(new PutRecordsCommand({ StreamName: 'crash', Records: records }));
        assert.equal(result.FailedRecordCount, 0);
        result.Records?.forEach((entry, index) => {
          acknowledged.set(entry.SequenceNumber as string, {
            shardId: entry.ShardId as string,
            data: Buffer.from(records[index]?.Data ?? []).toString('hex'),
          });
        });
      });
      await Promise.all(calls);
      // Keep writing while the kill lands: those records may or may not survive, but must not corrupt.
      const inFlight = client
        .send(
          new PutRecordsCommand({
            StreamName: 'crash',
            Records: [{ PartitionKey: 'late', Data: Buffer.alloc(5000, 1) }],
          }),
        )
        .catch(() => undefined);
      await server.kill('SIGKILL');
      await inFlight;
      client.destroy();

      server = await server.restart();
      client = kinesisClient(server.url);
      const found = new Map<string, { shardId: string; data: string }>();
      for (const shardId of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) {
        for (const record of await readShardFrom(client, 'crash', shardId, { ShardIteratorType: 'TRIM_HORIZON' })) {
          found.set(record.SequenceNumber as string, { shardId, data: Buffer.from(record.Data ?? []).toString('hex') });
        }
      }
      assert.equal(acknowledged.size, 1600);
      for (const [sequence, expected] of acknowledged) {
        assert.deepEqual(found.get(sequence), expected, `acknowledged record ${sequence} survives with its data`);
      }
      client.destroy();
    } finally {
      await server.stop();
    }
  });

  test('a clean restart brings back streams, shards, tags and retention', async () => {
    let server = await startServerProcess();
    try {
      let client = kinesisClient(server.url);
      await createActiveStream(client, 'kept', 5);
      await client.send(new AddTagsToStreamCommand({ StreamName: 'kept', Tags: { owner: 'ops' } }));
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'kept', RetentionPeriodHours: 100 }));
      const before = await client.send(new DescribeStreamCommand({ StreamName: 'kept' }));
      client.destroy();
      assert.equal(await server.kill('SIGTERM'), 0, 'SIGTERM shuts down cleanly');

      server = await server.restart();
      client = kinesisClient(server.url);
      const after = await client.send(new DescribeStreamCommand({ StreamName: 'kept' }));
      assert.deepEqual(after.StreamDescription, before.StreamDescription);
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'kept' }));
      assert.equal(summary.StreamDescriptionSummary?.RetentionPeriodHours, 100);
      const tags = await client.send(new ListTagsForStreamCommand({ StreamName: 'kept' }));
      assert.deepEqual(tags.Tags, [{ Key: 'owner', Value: 'ops' }]);
      client.destroy();
    } finally {
      await server.stop();
    }
  });
});
