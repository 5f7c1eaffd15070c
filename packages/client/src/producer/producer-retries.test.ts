/**
 * Producer failures against a real server: partial PutRecords failures retry only the failed
 * records, whole-call errors, retries running out, per-key order under injected throttling, and a
 * hot shard throttled by AWS-rate limits not stalling the other shards.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Producer, RecordFailedError } from '../index.js';
import {
  createStream,
  failSomePutRecords,
  readStream,
  seededRandom,
  text,
  useTestServer,
  waitFor,
  watchPutRecords,
} from './test-support.js';

const fastRetry = { baseMs: 5, capMs: 50, maxAttempts: 30 };
const hashKeyMax = (1n << 128n) - 1n;

describe('Producer retries', () => {
  const server = useTestServer();

  test('a partial failure retries only the failed records (the answer is rewritten by an SDK middleware)', async () => {
    await createStream(server().kinesis, 'partial', 2);
    const kinesis = server().client();
    // Added first, the watcher sees the calls as the producer makes them.
    const calls = watchPutRecords(kinesis);
    // Entries 1 and 3 of the first call are withheld from the server and answered as throttled.
    failSomePutRecords(kinesis, (call, entry) => call === 0 && (entry === 1 || entry === 3));
    const producer = new Producer({
      kinesis,
      streamName: 'partial',
      lingerMs: 600_000,
      retry: fastRetry,
      random: seededRandom(1),
    });
    const puts = Array.from({ length: 10 }, (_, index) =>
      producer.put({ partitionKey: `k${index}`, data: `r${index}` }),
    );
    await producer.flush();
    await Promise.all(puts);
    await producer.close();
    const sent = calls.map((call) => (call.input.Records ?? []).map((entry) => text(entry.Data as Uint8Array)));
    assert.equal(sent[0]?.length, 10, `calls: ${JSON.stringify(sent)}`);
    // The two failed records may belong to different shards, whose backoffs run apart: one retry
    // call or two, but together exactly the failed records, each once.
    assert.ok(sent.length === 2 || sent.length === 3, `calls: ${JSON.stringify(sent)}`);
    assert.deepEqual(
      sent.slice(1).flat().sort(),
      [sent[0]?.[1], sent[0]?.[3]].sort(),
      'the retry calls carry exactly the failed records',
    );
    const stored = (await readStream(server().kinesis, 'partial')).map((record) => text(record.data)).sort();
    assert.deepEqual(stored, Array.from({ length: 10 }, (_, index) => `r${index}`).sort());
    const metrics = producer.metrics();
    assert.equal(metrics.retries, 2);
    assert.equal(metrics.throttles, 2);
  });

  test('a whole-call server error is retried; a validation error fails the records with it', async () => {
    await createStream(server().kinesis, 'whole', 1);
    const kinesis = server().client();
    let calls = 0;
    // Rewritten: the first call fails with a 503 before reaching the server.
    kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutRecordsCommand' && calls++ === 0)
          throw Object.assign(new Error('Service unavailable (test)'), {
            name: 'ServiceUnavailable',
            $fault: 'server',
            $metadata: { httpStatusCode: 503 },
          });
        return next(args);
      },
      { step: 'initialize' },
    );
    const producer = new Producer({
      kinesis,
      streamName: 'whole',
      lingerMs: 1,
      retry: fastRetry,
      random: seededRandom(2),
    });
    await Promise.all([
      producer.put({ partitionKey: 'a', data: 'one' }),
      producer.put({ partitionKey: 'b', data: 'two' }),
    ]);
    await producer.close();
    assert.equal((await readStream(server().kinesis, 'whole')).length, 2);
    assert.equal(producer.metrics().putRecordsCallsFailed, 1);

    const rejecting = server().client();
    rejecting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutRecordsCommand')
          throw Object.assign(new Error('1 validation error detected (test)'), {
            name: 'ValidationException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        return next(args);
      },
      { step: 'initialize' },
    );
    const failing = new Producer({ kinesis: rejecting, streamName: 'whole', lingerMs: 1, retry: fastRetry });
    await assert.rejects(failing.put({ partitionKey: 'a', data: 'x' }), (error: unknown) => {
      assert.ok(error instanceof RecordFailedError);
      assert.equal(error.errorCode, 'ValidationException');
      assert.equal(error.attempts, 1);
      return true;
    });
    await failing.close();
  });

  test('a record failing every attempt rejects after maxAttempts', async () => {
    await createStream(server().kinesis, 'exhausted', 1);
    const kinesis = server().client();
    failSomePutRecords(kinesis, () => true, 'InternalFailure');
    const producer = new Producer({
      kinesis,
      streamName: 'exhausted',
      lingerMs: 1,
      retry: { ...fastRetry, maxAttempts: 3 },
    });
    await assert.rejects(producer.put({ partitionKey: 'k', data: 'x' }), (error: unknown) => {
      assert.ok(error instanceof RecordFailedError);
      assert.equal(error.errorCode, 'InternalFailure');
      assert.equal(error.attempts, 3);
      return true;
    });
    await producer.close();
    assert.equal(producer.metrics().retries, 2);
    assert.equal(producer.metrics().failedRecords, 1);
  });
});

describe('Producer per-key ordering under injected throttling', () => {
  const server = useTestServer(['--inject-throttle-rate', '0.3']);

  test('every record arrives once, and each key’s records in put order', async () => {
    await createStream(server().kinesis, 'ordered', 3);
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'ordered',
      lingerMs: 2,
      ordering: 'per-key',
      retry: fastRetry,
      random: seededRandom(3),
    });
    const keys = 15;
    const count = 1_500;
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        producer.put({ partitionKey: `key-${index % keys}`, data: `${index}` }),
      ),
    );
    await producer.close();
    assert.ok(producer.metrics().retries > 50, `retries: ${producer.metrics().retries}`);
    const stored = await readStream(server().kinesis, 'ordered');
    assert.equal(stored.length, count);
    const perKey = new Map<string, number[]>();
    for (const record of stored) {
      const list = perKey.get(record.partitionKey) ?? [];
      list.push(Number(text(record.data)));
      perKey.set(record.partitionKey, list);
    }
    for (const [key, indexes] of perKey)
      assert.deepEqual(
        indexes,
        [...indexes].sort((a, b) => a - b),
        `records of ${key} out of order`,
      );
    assert.equal(new Set(stored.map((record) => text(record.data))).size, count);
  });
});

describe('Producer with a hot, throttled shard', () => {
  const server = useTestServer(['--throughput-limits', 'aws']);

  test('records for other shards are acknowledged while the hot shard is still throttled', async () => {
    await createStream(server().kinesis, 'hot', 2);
    const producer = new Producer({
      kinesis: server().kinesis,
      streamName: 'hot',
      lingerMs: 5,
      retry: { baseMs: 50, capMs: 500, maxAttempts: 100 },
      random: seededRandom(4),
    });
    // 4 MiB for shard 0: at 1 MiB/s after a 1 MiB burst it takes about three seconds.
    const hotCount = 40;
    let hotAcknowledged = 0;
    const hot = Array.from({ length: hotCount }, (_, index) =>
      producer
        .put({ partitionKey: `hot-${index}`, explicitHashKey: '0', data: new Uint8Array(100 * 1024).fill(index) })
        .then((result) => {
          hotAcknowledged++;
          return result;
        }),
    );
    await waitFor(() => producer.metrics().throttles > 0, 'the hot shard is throttled');
    const cold = Array.from({ length: 100 }, (_, index) =>
      producer.put({ partitionKey: `cold-${index}`, explicitHashKey: hashKeyMax.toString(), data: `cold ${index}` }),
    );
    const coldResults = await Promise.all(cold);
    const hotAcknowledgedWhenColdDone = hotAcknowledged;
    assert.ok(coldResults.every((result) => result.shardId === 'shardId-000000000001'));
    assert.ok(
      hotAcknowledgedWhenColdDone < hotCount,
      `the cold shard's records waited for the hot shard (${hotAcknowledgedWhenColdDone} hot acknowledged)`,
    );
    const hotResults = await Promise.all(hot);
    await producer.close();
    assert.ok(hotResults.every((result) => result.shardId === 'shardId-000000000000'));
    assert.equal((await readStream(server().kinesis, 'hot')).length, hotCount + 100);
  });
});
