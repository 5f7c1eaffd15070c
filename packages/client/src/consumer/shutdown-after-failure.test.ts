/**
 * A batch whose processRecords failed is not processed: a checkpoint() without a position made
 * afterwards (in shutdownRequested, as applications do) must not cover it, or the next owner
 * would skip records that were never processed.
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
import type { ConsumerEvent, RecordProcessor } from './types.js';

const shardId = 'shardId-000000000000';

describe('Consumer stopped while a batch keeps failing', () => {
  let server: ServerProcess;
  let client: KinesisClient;
  before(async () => {
    server = await startServerProcess({ inMemory: true });
    client = kinesisClient(server.url);
  });
  after(async () => {
    client.destroy();
    await server.stop();
  });

  test('checkpoint() in shutdownRequested covers only what was processed; the failed batch comes again', async () => {
    await createActiveStream(client, 'failing', 1);
    const put = async (data: string): Promise<string> =>
      (await client.send(new PutRecordCommand({ StreamName: 'failing', PartitionKey: 'k', Data: Buffer.from(data) })))
        .SequenceNumber ?? assert.fail('no sequence number');
    const first = await put('ok-1');
    const store = new MemoryLeaseStore();
    const processed: string[] = [];
    const events: ConsumerEvent[] = [];
    let failing = false;
    const processor = (): RecordProcessor => ({
      processRecords: async ({ records }) => {
        if (failing) throw new Error('the database is down');
        for (const record of records) processed.push(Buffer.from(record.data).toString());
      },
      shardEnded: async ({ checkpointer }) => checkpointer.checkpoint(),
      shutdownRequested: async ({ checkpointer }) => checkpointer.checkpoint(),
    });
    const options = {
      kinesis: client,
      streamName: 'failing',
      applicationName: 'failing-app',
      leaseStore: store,
      retrieval: { mode: 'polling', idleTimeBetweenReadsMs: 20 },
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3000,
      processor,
      onEvent: (event: ConsumerEvent) => events.push(event),
    } as const;
    const consumer = new Consumer({ ...options, workerId: 'w1' });
    await consumer.start();
    try {
      await waitFor(() => processed.length === 1, 'the first record');
      failing = true;
      await put('failed-1');
      await waitFor(
        () => events.some((event) => event.type === 'error' && event.during === 'processRecords'),
        'processRecords to fail',
      );
    } finally {
      await consumer.stop();
    }
    const lease = (await store.getLease(shardId)) ?? assert.fail('no lease');
    assert.equal(lease.checkpoint, first, 'the checkpoint stays at the last processed record');

    failing = false;
    const next = new Consumer({ ...options, workerId: 'w2' });
    await next.start();
    try {
      await waitFor(() => processed.includes('failed-1'), 'the failed record to be processed by the next owner', {
        timeoutMs: 10_000,
      });
    } finally {
      await next.stop();
    }
    assert.deepEqual(processed, ['ok-1', 'failed-1']);
  });
});
