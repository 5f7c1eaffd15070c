import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { MemoryLeaseStore } from '../leases/memory-lease-store.js';
import { Consumer } from './consumer.js';
import type { ConsumerOptions } from './types.js';

const kinesis = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const valid: ConsumerOptions = {
  kinesis,
  streamName: 'orders',
  applicationName: 'app',
  leaseStore: new MemoryLeaseStore(),
  retrieval: { mode: 'polling' },
  initialPosition: 'TRIM_HORIZON',
  processor: () => ({ processRecords: () => {}, shardEnded: ({ checkpointer }) => checkpointer.checkpoint() }),
};

describe('Consumer options', () => {
  test('a valid configuration constructs, with a default worker id', () => {
    const consumer = new Consumer(valid);
    assert.match(consumer.workerId, /^.+:\d+:[0-9a-f]{8}$/);
  });

  test('exactly one of streamName and streamARN', () => {
    assert.throws(
      () => new Consumer({ ...valid, streamARN: 'arn:aws:kinesis:us-east-1:0:stream/orders' }),
      /exactly one of streamName and streamARN/,
    );
    const { streamName: _, ...withoutStream } = valid;
    assert.throws(() => new Consumer(withoutStream), TypeError);
  });

  test('limits are checked with their names in the message', () => {
    assert.throws(() => new Consumer({ ...valid, failoverTimeMs: 0 }), /failoverTimeMs must be an integer from 1/);
    assert.throws(() => new Consumer({ ...valid, checkpointEvery: { records: 1.5 } }), /checkpointEvery.records/);
    assert.throws(
      () => new Consumer({ ...valid, retrieval: { mode: 'polling', maxRecords: 10_001 } }),
      /maxRecords must be an integer from 1 to 10000/,
    );
    assert.throws(
      () => new Consumer({ ...valid, initialPosition: { timestamp: new Date(Number.NaN) } }),
      /not a valid date/,
    );
    assert.throws(() => new Consumer({ ...valid, applicationName: '' }), /applicationName/);
  });

  test('the default lease store needs a client with an endpoint (Tributary); AWS needs an explicit store', () => {
    const { leaseStore: _, ...withoutStore } = valid;
    assert.throws(() => new Consumer(withoutStore), /explicit endpoint/);
  });

  test('a stopped consumer cannot start again', async () => {
    const consumer = new Consumer(valid);
    await consumer.stop();
    await assert.rejects(consumer.start(), /start\(\) called on a consumer that is stopped/);
  });
});
