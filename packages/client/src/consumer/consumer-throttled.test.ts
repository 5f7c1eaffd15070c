/**
 * Polling against a server that throttles a third of the GetRecords calls at random
 * (`--inject-throttle-rate`): the consumer backs off and retries with the same iterator, so every
 * record still arrives, once and in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream } from '@tributary/server/dist/testing/streams.js';
import { MemoryLeaseStore } from '../leases/memory-lease-store.js';
import { assertOrderedPerShard, ProcessingLog, waitFor } from '../testing/consumer-harness.js';
import { Consumer } from './consumer.js';

describe('Consumer under GetRecords throttling', () => {
  let server: ServerProcess;
  let client: KinesisClient;
  before(async () => {
    server = await startServerProcess({ inMemory: true, args: ['--inject-throttle-rate', '0.3'] });
    client = kinesisClient(server.url);
  });
  after(async () => {
    client.destroy();
    await server.stop();
  });

  test('every record arrives once and in order despite ProvisionedThroughputExceededException', async () => {
    await createActiveStream(client, 'throttled', 2);
    const expected: string[] = [];
    // The writes are throttled too: put again whatever failed, until everything is in.
    let pending = Array.from({ length: 150 }, (_, index) => ({
      PartitionKey: `key-${index % 5}`,
      Data: Buffer.from(`r-${index}`),
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      assert.ok(attempt < 100, 'the writes got through');
      const answer = await client.send(new PutRecordsCommand({ StreamName: 'throttled', Records: pending }));
      expected.push(
        ...pending
          .filter((_, index) => answer.Records?.[index]?.ErrorCode === undefined)
          .map((entry) => entry.Data.toString()),
      );
      pending = pending.filter((_, index) => answer.Records?.[index]?.ErrorCode !== undefined);
    }
    const log = new ProcessingLog();
    const store = new MemoryLeaseStore();
    const consumer = new Consumer({
      kinesis: client,
      streamName: 'throttled',
      applicationName: 'throttled-app',
      workerId: 'w1',
      leaseStore: store,
      retrieval: { mode: 'polling', maxRecords: 10, idleTimeBetweenReadsMs: 20 },
      initialPosition: 'TRIM_HORIZON',
      failoverTimeMs: 3000,
      processor: log.processor('w1'),
      onEvent: log.listener('w1'),
    });
    await consumer.start();
    try {
      await waitFor(() => log.distinctData().size === expected.length, 'every record');
    } finally {
      await consumer.stop();
    }
    assert.equal(log.records.length, expected.length, 'none twice');
    assertOrderedPerShard(log.records);
    assert.deepEqual(log.errors(), [], 'throttling is retried quietly, not reported as an error');
  });
});
