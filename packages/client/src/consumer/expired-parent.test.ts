/**
 * A parent shard whose data expired (retention) before the application finished it: its lease
 * stays unfinished forever (the shard can no longer be read), so its children must not wait for
 * it. The server restarts a day and an hour later (hidden `--clock-offset-ms`) and its retention
 * pass unlists the closed parent; the consumer must then process the children's records.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type KinesisClient, ListShardsCommand, PutRecordCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream, waitForActive } from '@tributary/server/dist/testing/streams.js';
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { ProcessingLog, waitFor } from '../testing/consumer-harness.js';
import { Consumer } from './consumer.js';

const dayAndHourMs = 25 * 3_600_000;
const streamName = 'expired-parent';
const applicationName = 'expired-parent-app';
const parent = 'shardId-000000000000';

async function listedShardIds(client: KinesisClient): Promise<string[]> {
  const answer = await client.send(new ListShardsCommand({ StreamName: streamName }));
  return (answer.Shards ?? []).map((shard) => shard.ShardId ?? '');
}

describe('Consumer with a parent shard that expired unfinished', () => {
  test('the children are processed: they do not wait for a parent that can no longer end', async () => {
    let server = await startServerProcess();
    let client = kinesisClient(server.url);
    let store: NativeLeaseStore | undefined;
    let consumer: Consumer | undefined;
    try {
      await createActiveStream(client, streamName, 1);
      await client.send(new PutRecordCommand({ StreamName: streamName, PartitionKey: 'p', Data: Buffer.from('old') }));
      // A first worker made the leases (the parent from TRIM_HORIZON) and never got far.
      const firstStore = NativeLeaseStore.fromKinesisClient(client, applicationName);
      await firstStore.ensureTable();
      const first = new Consumer({
        leaseStore: firstStore,
        kinesis: client,
        streamName,
        applicationName,
        workerId: 'before',
        retrieval: { mode: 'polling' },
        initialPosition: 'TRIM_HORIZON',
        processor: () => ({ processRecords: async () => undefined, shardEnded: async () => undefined }),
      });
      await first.syncShards();
      await client.send(
        new SplitShardCommand({
          StreamName: streamName,
          ShardToSplit: parent,
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      await waitForActive(client, streamName);
      await first.syncShards(); // the children's leases, waiting for the parent
      firstStore.close();
      await server.kill('SIGTERM');
      client.destroy();

      server = await startServerProcess({
        dataDir: server.dataDir,
        args: ['--clock-offset-ms', String(dayAndHourMs), '--retention-interval-ms', '50'],
      });
      client = kinesisClient(server.url);
      await waitFor(async () => !(await listedShardIds(client)).includes(parent), 'the parent to leave the stream');
      const children = await listedShardIds(client);
      assert.equal(children.length, 2);
      for (const [index, child] of children.entries()) {
        await client.send(
          new PutRecordCommand({
            StreamName: streamName,
            PartitionKey: 'p',
            ExplicitHashKey: index === 0 ? '1' : (2n ** 127n + 1n).toString(),
            Data: Buffer.from(`new-${child}`),
          }),
        );
      }
      store = NativeLeaseStore.fromKinesisClient(client, applicationName);
      assert.equal((await store.getLease(parent))?.checkpoint, 'TRIM_HORIZON', 'the parent lease is unfinished');
      const log = new ProcessingLog();
      consumer = new Consumer({
        kinesis: client,
        streamName,
        applicationName,
        workerId: 'after',
        leaseStore: store,
        retrieval: { mode: 'polling', idleTimeBetweenReadsMs: 20 },
        initialPosition: 'TRIM_HORIZON',
        failoverTimeMs: 1500,
        parentShardPollIntervalMs: 50,
        processor: log.processor('after'),
        onEvent: log.listener('after'),
      });
      await consumer.start();
      await waitFor(() => log.distinctData().size === 2, "the children's records", {
        timeoutMs: 15_000,
        detail: () => JSON.stringify([...log.distinctData()]),
      });
      assert.deepEqual([...log.distinctData()].sort(), children.map((child) => `new-${child}`).sort());
    } finally {
      await consumer?.stop();
      store?.close();
      client.destroy();
      await server.stop();
    }
  });
});
