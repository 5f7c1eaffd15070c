/**
 * Scenario 4: put → read latency. One producer sends PutRecord (100 B) at a steady, modest rate to a
 * 1-shard stream while one consumer polls GetRecords back to back from a LATEST iterator. For every
 * record: (time the consumer's GetRecords answer arrived) − (time its PutRecord was sent). The
 * partition key carries the record's index, so nothing is decoded to match them up.
 */
import { performance } from 'node:perf_hooks';
import { KinesisCallError, KinesisClient, shardIterator } from '../lib/kinesis-client.mjs';
import { randomBytes, seededRandom } from '../lib/records.mjs';
import { LatencySamples } from '../lib/stats.mjs';

/** How long the consumer keeps polling for stragglers after the producer's last record. */
const stragglerWaitMs = 5_000;
/** The open-loop producer never has more requests than this in flight (a slow server gets fewer). */
const producerInFlightMax = 64;

async function measureOnce(producer, consumer, options, repetition) {
  const count = Math.max(1, Math.round((options.durationMs / 1000) * options.ratePerSecond));
  const intervalMs = 1000 / options.ratePerSecond;
  const random = seededRandom(options.seed + repetition);
  const bodies = Array.from({ length: count }, (_, index) =>
    Buffer.from(
      JSON.stringify({
        StreamName: options.streamName,
        PartitionKey: `latency-${repetition}-${index}`,
        Data: randomBytes(random, options.recordBytes).toString('base64'),
      }),
    ),
  );
  const sentAt = new Float64Array(count).fill(Number.NaN);
  const seen = new Uint8Array(count);
  const latencies = new LatencySamples();
  // The producer's own PutRecord latency (sent → acknowledged), to separate write latency from the
  // delay until a reader sees the record.
  const acknowledgements = new LatencySamples();
  let seenCount = 0;
  let putErrors = 0;
  let doneAt = Number.POSITIVE_INFINITY;

  let iterator = await shardIterator(consumer, {
    streamName: options.streamName,
    shardId: options.shardId,
    type: 'LATEST',
  });
  const keyPattern = new RegExp(`^latency-${repetition}-(\\d+)$`);
  const consume = async () => {
    while (seenCount < count && iterator && performance.now() < doneAt + stragglerWaitMs) {
      const { statusCode, body } = await consumer.send('GetRecords', Buffer.from(`{"ShardIterator":"${iterator}"}`));
      const arrivedAt = performance.now();
      if (statusCode !== 200) throw new KinesisCallError('GetRecords', statusCode, body);
      const answer = JSON.parse(body.toString('utf8'));
      for (const record of answer.Records) {
        const index = Number(keyPattern.exec(record.PartitionKey)?.[1] ?? -1);
        if (index < 0 || seen[index]) continue;
        seen[index] = 1;
        seenCount++;
        latencies.add(arrivedAt - sentAt[index]);
      }
      iterator = answer.NextShardIterator;
      if (options.pollIntervalMs > 0) await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs));
    }
  };

  const produce = async () => {
    const startedAt = performance.now();
    const inFlight = new Set();
    for (let index = 0; index < count; index++) {
      const dueAt = startedAt + index * intervalMs;
      const waitMs = dueAt - performance.now();
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
      while (inFlight.size >= producerInFlightMax) await Promise.race(inFlight);
      sentAt[index] = performance.now();
      const request = producer
        .send('PutRecord', bodies[index])
        .then(({ statusCode }) => {
          if (statusCode !== 200) putErrors++;
          else acknowledgements.add(performance.now() - sentAt[index]);
        })
        .catch(() => {
          putErrors++;
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Promise.all(inFlight);
    doneAt = performance.now();
  };

  await Promise.all([consume(), produce()]);
  const acknowledged = acknowledgements.percentiles();
  return {
    records: count,
    seen: seenCount,
    lost: count - seenCount - putErrors,
    putErrors,
    ...latencies.percentiles(),
    acknowledgedP50Ms: acknowledged.p50Ms,
    acknowledgedP99Ms: acknowledged.p99Ms,
  };
}

export async function putReadLatencyScenario(server, options) {
  const producer = new KinesisClient(server.url, { connections: 4 });
  const consumer = new KinesisClient(server.url, { connections: 1 });
  try {
    const runs = [];
    // firstRepetition: the run interleaves systems one repetition at a time (bench/run.mjs); each
    // repetition writes its own partition keys.
    const first = options.firstRepetition ?? 0;
    for (let repetition = first; repetition < first + options.repetitions; repetition++) {
      runs.push(await measureOnce(producer, consumer, options, repetition));
    }
    return { runs };
  } finally {
    await Promise.all([producer.close(), consumer.close()]);
  }
}
