/**
 * The Producer against a real Tributary server process through the real AWS SDK: acknowledgements,
 * read-back, batching by count, size and linger time, back-pressure, validation and closing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Producer, type ProducerMetrics, type PutResult, RecordFailedError, RecordValidationError } from '../index.js';
import { createStream, readStream, text, useTestServer, waitFor, watchPutRecords } from './test-support.js';

const encoder = new TextEncoder();

describe('Producer', () => {
  const server = useTestServer();

  test('acknowledges every record once, and the stream holds exactly those records at the acknowledged positions', async () => {
    await createStream(server().kinesis, 'all', 4);
    const producer = new Producer({ kinesis: server().kinesis, streamName: 'all', lingerMs: 5 });
    const count = 2_000;
    const results = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        producer.put({ partitionKey: `key-${index % 53}`, data: `record ${index}` }),
      ),
    );
    await producer.close();
    const positions = results.map((result) => `${result.shardId}/${result.sequenceNumber}`);
    assert.equal(new Set(positions).size, count, 'every acknowledgement names its own position');
    assert.ok(results.every((result) => result.subSequenceNumber === undefined));
    const stored = await readStream(server().kinesis, 'all');
    assert.equal(stored.length, count);
    const byPosition = new Map(stored.map((record) => [`${record.shardId}/${record.sequenceNumber}`, record]));
    results.forEach((result, index) => {
      const record = byPosition.get(`${result.shardId}/${result.sequenceNumber}`);
      assert.equal(record && text(record.data), `record ${index}`);
      assert.equal(record?.partitionKey, `key-${index % 53}`);
    });
    const metrics = producer.metrics();
    assert.equal(metrics.userRecordsPut, count);
    assert.equal(metrics.kinesisRecordsPut, count);
    assert.equal(metrics.failedRecords, 0);
    assert.equal(metrics.bufferedRecords, 0);
    assert.ok(metrics.putRecordsCalls >= count / 500);
    assert.ok(metrics.latencyMs.count === count && metrics.latencyMs.p50 <= metrics.latencyMs.p99);
  });

  test('a full batch of 500 records goes at once; the rest waits for the linger time or a flush', async () => {
    await createStream(server().kinesis, 'count', 2);
    const kinesis = server().client();
    const calls = watchPutRecords(kinesis);
    const producer = new Producer({ kinesis, streamName: 'count', lingerMs: 600_000 });
    let acknowledged = 0;
    const puts = Array.from({ length: 1_200 }, (_, index) =>
      producer.put({ partitionKey: `k${index}`, data: 'x' }).then(() => acknowledged++),
    );
    // 1,000 are acknowledged without a flush: two full requests went at once.
    await waitFor(() => acknowledged === 1_000, '1,000 acknowledged without a flush');
    assert.deepEqual(
      calls.map((call) => call.input.Records?.length),
      [500, 500],
    );
    await producer.flush();
    await Promise.all(puts);
    assert.deepEqual(
      calls.map((call) => call.input.Records?.length),
      [500, 500, 200],
    );
    await producer.close();
  });

  test('a request never carries more than 5 MiB, partition keys counted', async () => {
    await createStream(server().kinesis, 'size', 2);
    const kinesis = server().client();
    const calls = watchPutRecords(kinesis);
    const producer = new Producer({ kinesis, streamName: 'size', lingerMs: 600_000 });
    const data = new Uint8Array(200 * 1024 - 10).fill(65);
    let acknowledged = 0;
    const puts = Array.from({ length: 60 }, (_, index) =>
      producer.put({ partitionKey: `key-${String(index).padStart(6, '0')}`, data }).then(() => acknowledged++),
    );
    // 25 records of exactly 200 KiB fill 5 MiB: they go without waiting for the linger time.
    await waitFor(() => acknowledged === 50, '50 acknowledged without a flush');
    await producer.close();
    await Promise.all(puts);
    const sizes = calls.map((call) =>
      (call.input.Records ?? []).reduce(
        (sum, entry) => sum + (entry.Data?.length ?? 0) + Buffer.byteLength(entry.PartitionKey ?? ''),
        0,
      ),
    );
    assert.deepEqual(
      calls.map((call) => call.input.Records?.length),
      [25, 25, 10],
    );
    assert.ok(
      sizes.every((size) => size <= 5 * 1_048_576),
      `request sizes ${sizes}`,
    );
  });

  test('records put together wait for the linger time and go in one request', async () => {
    await createStream(server().kinesis, 'linger', 1);
    const kinesis = server().client();
    const calls = watchPutRecords(kinesis);
    const lingerMs = 300;
    const producer = new Producer({ kinesis, streamName: 'linger', lingerMs });
    const startMs = performance.now();
    await Promise.all(Array.from({ length: 10 }, (_, index) => producer.put({ partitionKey: `k${index}`, data: 'x' })));
    const elapsedMs = performance.now() - startMs;
    assert.ok(elapsedMs >= lingerMs - 5, `acknowledged after ${elapsedMs} ms, before the linger time`);
    assert.deepEqual(
      calls.map((call) => call.input.Records?.length),
      [10],
    );
    await producer.close();
  });

  test('back-pressure: buffered bytes never exceed maxBufferedBytes, and put waits for room instead', async () => {
    await createStream(server().kinesis, 'pressure', 2);
    const maxBufferedBytes = 64 * 1024;
    const producer = new Producer({ kinesis: server().kinesis, streamName: 'pressure', lingerMs: 2, maxBufferedBytes });
    const data = new Uint8Array(1000).fill(1);
    const results: Promise<PutResult>[] = [];
    let sawWaiting = false;
    for (let index = 0; index < 3_000; index++) {
      const { result } = await producer.enqueue({ partitionKey: `k${index % 10}`, data });
      results.push(result);
      const metrics = producer.metrics();
      assert.ok(metrics.bufferedBytes <= maxBufferedBytes, `buffered ${metrics.bufferedBytes} bytes`);
    }
    // Fire-and-forget puts beyond the budget wait unbuffered.
    const burst = Array.from({ length: 500 }, (_, index) => producer.put({ partitionKey: `b${index}`, data }));
    sawWaiting = producer.metrics().waitingPuts > 0;
    await Promise.all([...results, ...burst]);
    await producer.close();
    const metrics = producer.metrics();
    assert.ok(sawWaiting, 'puts beyond the budget waited');
    assert.ok(metrics.bufferedBytesMax <= maxBufferedBytes, `max buffered ${metrics.bufferedBytesMax}`);
    assert.ok(metrics.bufferedBytesMax > maxBufferedBytes / 2, 'the budget was actually used');
    assert.equal(metrics.userRecordsPut, 3_500);
    assert.equal((await readStream(server().kinesis, 'pressure')).length, 3_500);
  });

  test('back-pressure by record count', async () => {
    await createStream(server().kinesis, 'pressure-count', 1);
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'pressure-count',
      lingerMs: 1,
      maxBufferedRecords: 100,
    });
    await Promise.all(
      Array.from({ length: 1_000 }, (_, index) => producer.put({ partitionKey: `k${index}`, data: 'x' })),
    );
    await producer.close();
    assert.equal(producer.metrics().bufferedRecordsMax, 100);
  });

  test('invalid records are refused at put with RecordValidationError, the rest still go', async () => {
    await createStream(server().kinesis, 'invalid', 1);
    const producer = new Producer({ kinesis: server().kinesis, streamName: 'invalid' });
    await assert.rejects(producer.put({ partitionKey: '', data: 'x' }), RecordValidationError);
    await assert.rejects(producer.put({ partitionKey: 'k'.repeat(257), data: 'x' }), RecordValidationError);
    await assert.rejects(producer.put({ partitionKey: 'k', data: new Uint8Array(1_048_576) }), /exceeds 1048576/);
    await assert.rejects(producer.put({ partitionKey: 'k', explicitHashKey: '-1', data: 'x' }), RecordValidationError);
    await assert.rejects(
      producer.put({ partitionKey: 'k', explicitHashKey: (1n << 128n).toString(), data: 'x' }),
      RecordValidationError,
    );
    const ok = await producer.put({ partitionKey: 'k', data: new Uint8Array(1_048_575) });
    assert.equal(ok.shardId, 'shardId-000000000000');
    await producer.close();
    await assert.rejects(producer.put({ partitionKey: 'k', data: 'late' }), { name: 'ProducerClosedError' });
  });

  test('a stream that does not exist fails the records with ResourceNotFoundException', async () => {
    const producer = new Producer({ kinesis: server().kinesis, streamName: 'no-such-stream' });
    await assert.rejects(producer.put({ partitionKey: 'k', data: encoder.encode('x') }), (error: unknown) => {
      assert.ok(error instanceof RecordFailedError);
      assert.equal(error.errorCode, 'ResourceNotFoundException');
      return true;
    });
    await producer.close();
  });

  test('onMetrics receives the metrics periodically', async () => {
    await createStream(server().kinesis, 'reported', 1);
    const reports: ProducerMetrics[] = [];
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'reported',
      lingerMs: 1,
      onMetrics: (metrics) => reports.push(metrics),
      metricsIntervalMs: 20,
    });
    await Promise.all(Array.from({ length: 10 }, (_, index) => producer.put({ partitionKey: `k${index}`, data: 'x' })));
    await waitFor(() => reports.some((report) => report.userRecordsPut === 10), 'a report after the puts');
    await producer.close();
    const last = reports[reports.length - 1];
    assert.equal(last?.failedRecords, 0);
    assert.equal(last?.bufferedRecords, 0);
  });

  test('lists the shards again every shardMapRefreshMs', async () => {
    await createStream(server().kinesis, 'refreshed', 1);
    const producer = new Producer({ kinesis: server().kinesis, streamName: 'refreshed', shardMapRefreshMs: 20 });
    await producer.put({ partitionKey: 'k', data: 'x' });
    await waitFor(() => producer.metrics().shardMapRefreshes >= 3, 'three listings');
    await producer.close();
  });

  test('works by stream ARN', async () => {
    await createStream(server().kinesis, 'by-arn', 1);
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/by-arn`;
    const producer = new Producer({ kinesis: server().kinesis, streamARN: arn });
    const result = await producer.put({ partitionKey: 'k', data: 'via arn' }).catch((error: Error) => error);
    await producer.close();
    if (result instanceof Error) assert.fail(`put by ARN failed: ${result.message}`);
    assert.equal((await readStream(server().kinesis, 'by-arn')).length, 1);
  });
});
