/**
 * Acceptance (issue 4): with `--throughput-limits aws` the AWS SDK sees throttling at AWS's rates
 * (PutRecord, PutRecords per-record errors, GetRecords), with `off` none, and with
 * `--inject-throttle-rate 1` every data-plane call is throttled.
 *
 * The exact rates are pinned on a hand-moved clock in throughput-limits.test.ts. Here the real
 * clock runs, so each check needs a whole second's refill to pass by mistake: one PutRecords
 * call (its records are admitted in one synchronous pass), two consecutive 1 MiB PutRecords
 * calls, ten consecutive GetRecords calls on a local socket.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { createActiveStream } from '../testing/streams.js';

const account = '000000000000';
/** A record of exactly 1 MiB: 1 MiB − 1 bytes of data and a one-byte partition key. */
const oneMiBData = Buffer.alloc(1024 * 1024 - 1, 7);
const rateExceeded = (stream: string) =>
  `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account ${account}.`;

async function withServer(args: string[], run: (client: KinesisClient) => Promise<void>): Promise<void> {
  const server: ServerProcess = await startServerProcess({ inMemory: true, args });
  const client = kinesisClient(server.url);
  try {
    await run(client);
  } finally {
    client.destroy();
    await server.stop();
  }
}

/** Counts the throttled answers of ten GetRecords calls on one shard. */
async function throttledReads(client: KinesisClient, stream: string): Promise<number> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: 'shardId-000000000000', ShardIteratorType: 'LATEST' }),
  );
  let throttled = 0;
  for (let call = 0; call < 10; call++) {
    try {
      await client.send(new GetRecordsCommand({ ShardIterator }));
    } catch (error) {
      assert.ok(error instanceof ProvisionedThroughputExceededException);
      assert.equal(error.message, rateExceeded(stream));
      throttled++;
    }
  }
  return throttled;
}

/** Puts three records of 400,000 bytes into shard 0 in one call; answers the failed indexes. */
async function failedOfBigBatch(client: KinesisClient, stream: string): Promise<number[]> {
  const answer = await client.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: [0, 1, 2].map((index) => ({
        PartitionKey: `k${index}`,
        ExplicitHashKey: '0',
        Data: Buffer.alloc(400_000, index),
      })),
    }),
  );
  const failed = (answer.Records ?? []).flatMap((record, index) => (record.ErrorCode ? [index] : []));
  assert.equal(answer.FailedRecordCount, failed.length);
  for (const index of failed) {
    assert.deepEqual(
      [answer.Records?.[index]?.ErrorCode, answer.Records?.[index]?.ErrorMessage],
      ['ProvisionedThroughputExceededException', rateExceeded(stream)],
    );
  }
  return failed;
}

describe('--throughput-limits aws', () => {
  let client: KinesisClient;
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ inMemory: true, args: ['--throughput-limits', 'aws'] });
    client = kinesisClient(server.url);
  });
  after(async () => {
    client?.destroy();
    await server?.stop();
  });

  test('PutRecords fails only the record that would take a shard past 1 MiB', async () => {
    await createActiveStream(client, 'aws-batch', 1);
    assert.deepEqual(await failedOfBigBatch(client, 'aws-batch'), [2]);
  });
  test('PutRecord answers ProvisionedThroughputExceededException for a second MiB within the second', async () => {
    await createActiveStream(client, 'aws-single', 1);
    await client.send(new PutRecordCommand({ StreamName: 'aws-single', PartitionKey: 'k', Data: oneMiBData }));
    await assert.rejects(
      client.send(new PutRecordCommand({ StreamName: 'aws-single', PartitionKey: 'k', Data: oneMiBData })),
      (error: unknown) =>
        error instanceof ProvisionedThroughputExceededException && error.message === rateExceeded('aws-single'),
    );
  });
  test('GetRecords is throttled past five calls a second', async () => {
    await createActiveStream(client, 'aws-reads', 1);
    assert.ok((await throttledReads(client, 'aws-reads')) >= 1);
  });
});

describe('--throughput-limits off (the default)', () => {
  test('throttles nothing', () =>
    withServer([], async (client) => {
      await createActiveStream(client, 'off', 1);
      assert.deepEqual(await failedOfBigBatch(client, 'off'), []);
      await client.send(new PutRecordCommand({ StreamName: 'off', PartitionKey: 'k', Data: oneMiBData }));
      await client.send(new PutRecordCommand({ StreamName: 'off', PartitionKey: 'k', Data: oneMiBData }));
      assert.equal(await throttledReads(client, 'off'), 0);
    }));
});

describe('--inject-throttle-rate', () => {
  test('1.0 throttles every PutRecord, every PutRecords record and every GetRecords', () =>
    withServer(['--inject-throttle-rate', '1'], async (client) => {
      await createActiveStream(client, 'injected', 1);
      await assert.rejects(
        client.send(new PutRecordCommand({ StreamName: 'injected', PartitionKey: 'k', Data: Buffer.from('x') })),
        ProvisionedThroughputExceededException,
      );
      assert.deepEqual(await failedOfBigBatch(client, 'injected'), [0, 1, 2]);
      assert.equal(await throttledReads(client, 'injected'), 10);
    }));
});
