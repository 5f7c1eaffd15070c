/**
 * A lease lost while a batch is in flight and taken back by the same worker before that batch
 * finishes: the old run ends (leaseLost) without undoing the new holding, and the new run starts
 * as soon as the old one has ended — not a lease pass later, after the holding was dropped (and
 * the lease, still owned in the store, went unrenewed meanwhile).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream } from '@tributary/server/dist/testing/streams.js';
import { MemoryLeaseStore } from '../leases/memory-lease-store.js';
import { waitFor } from '../testing/consumer-harness.js';
import { Consumer } from './consumer.js';
import type { ConsumerEvent } from './types.js';

const shardId = 'shardId-000000000000';

describe('Consumer whose lease is lost and taken back during a batch', () => {
  let server: ServerProcess;
  let client: KinesisClient;
  before(async () => {
    server = await startServerProcess({ inMemory: true });
    client = kinesisClient(server.url);
  });
  after(async () => {
    client.destroy();
    await server.stop();
    // A shard run left behind (not reachable by stop()) would poll forever and keep this process
    // alive: fail the file then instead of hanging the suite. Unref'd, so it never fires otherwise.
    setTimeout(() => {
      console.error('a shard run outlived consumer.stop(): the process did not exit');
      process.exit(1);
    }, 5000).unref();
  });

  test('the new holding survives the end of the old run and processing resumes at once', async () => {
    await createActiveStream(client, 'retaken', 1);
    await client.send(new PutRecordCommand({ StreamName: 'retaken', PartitionKey: 'k', Data: Buffer.from('r1') }));
    const store = new MemoryLeaseStore();
    const events: ConsumerEvent[] = [];
    let releaseFirstBatch: () => void = () => {};
    const firstBatchReleased = new Promise<void>((resolve) => {
      releaseFirstBatch = resolve;
    });
    let batches = 0;
    const consumer = new Consumer({
      kinesis: client,
      streamName: 'retaken',
      applicationName: 'retaken-app',
      workerId: 'w1',
      leaseStore: store,
      retrieval: { mode: 'polling', idleTimeBetweenReadsMs: 20 },
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3000,
      processor: () => ({
        processRecords: async () => {
          batches++;
          if (batches === 1) await firstBatchReleased;
        },
        shardEnded: async ({ checkpointer }) => checkpointer.checkpoint(),
      }),
      onEvent: (event) => events.push(event),
    });
    const count = (type: ConsumerEvent['type']): number => events.filter((event) => event.type === type).length;
    await consumer.start();
    try {
      await waitFor(() => batches === 1, 'the first batch to be in flight');
      const lease = (await store.getLease(shardId)) ?? assert.fail('no lease');
      assert.equal(lease.leaseOwner, 'w1');
      // Another worker steals it; w1 learns at its next renewal.
      (await store.takeLease(lease, 'thief')) ?? assert.fail('steal refused');
      await waitFor(() => count('leaseLost') === 1, 'w1 to notice the loss', { timeoutMs: 15_000 });
      // The thief gives it back at once; w1 takes it again while its first batch is still running.
      assert.ok(await store.evictLease(shardId, 'thief'));
      await waitFor(() => count('leaseTaken') === 2, 'w1 to take the lease back', { timeoutMs: 15_000 });
      releaseFirstBatch();
      await waitFor(() => batches === 2, 'the record to be processed again by the new run', {
        timeoutMs: 5_000,
        detail: () => JSON.stringify({ held: consumer.heldShardIds(), events: events.map((event) => event.type) }),
      });
      assert.deepEqual(consumer.heldShardIds(), [shardId]);
      // A run can only start on a holding the coordinator still has: had the old run's end
      // dropped the new holding, processing would have waited for a third take.
      assert.equal(count('leaseTaken'), 2, 'no extra take was needed');
    } finally {
      releaseFirstBatch();
      await consumer.stop();
    }
  });
  test('lost and taken back twice during one batch: one new run, not two, and stop() ends it', async () => {
    await createActiveStream(client, 'retaken-twice', 1);
    await client.send(
      new PutRecordCommand({ StreamName: 'retaken-twice', PartitionKey: 'k', Data: Buffer.from('r1') }),
    );
    const store = new MemoryLeaseStore();
    const events: ConsumerEvent[] = [];
    let releaseFirstBatch: () => void = () => {};
    const firstBatchReleased = new Promise<void>((resolve) => {
      releaseFirstBatch = resolve;
    });
    let processors = 0;
    let ended = 0;
    let batches = 0;
    const consumer = new Consumer({
      kinesis: client,
      streamName: 'retaken-twice',
      applicationName: 'retaken-twice-app',
      workerId: 'w1',
      leaseStore: store,
      retrieval: { mode: 'polling', idleTimeBetweenReadsMs: 20 },
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3000,
      processor: () => {
        processors++;
        return {
          processRecords: async () => {
            batches++;
            if (batches === 1) await firstBatchReleased;
          },
          shardEnded: async ({ checkpointer }) => checkpointer.checkpoint(),
          leaseLost: () => {
            ended++;
          },
          shutdownRequested: () => {
            ended++;
          },
        };
      },
      onEvent: (event) => events.push(event),
    });
    const count = (type: ConsumerEvent['type']): number => events.filter((event) => event.type === type).length;
    await consumer.start();
    try {
      await waitFor(() => batches === 1, 'the first batch to be in flight');
      for (let round = 1; round <= 2; round++) {
        const lease = (await store.getLease(shardId)) ?? assert.fail('no lease');
        (await store.takeLease(lease, 'thief')) ?? assert.fail('steal refused');
        await waitFor(() => count('leaseLost') === round, `w1 to notice loss ${round}`, { timeoutMs: 15_000 });
        assert.ok(await store.evictLease(shardId, 'thief'));
        await waitFor(() => count('leaseTaken') === round + 1, `w1 to take the lease back (${round})`, {
          timeoutMs: 15_000,
        });
      }
      releaseFirstBatch();
      await waitFor(() => batches === 2, 'the record to be processed again');
    } finally {
      releaseFirstBatch();
      await consumer.stop();
    }
    assert.equal(processors, 2, 'one processor for the first run, one for the run after it');
    assert.equal(ended, processors, 'every processor was ended (leaseLost or shutdownRequested) by stop()');
  });
});
