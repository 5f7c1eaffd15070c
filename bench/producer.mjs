/**
 * Scenario `producer`: the @tributary/client Producer against Tributary (durability fsync), a
 * 4-shard stream, 100-byte and 1 KiB records, with and without KPL aggregation.
 *
 * One application loop keeps the producer saturated: `await producer.enqueue(record)` returns as
 * soon as the record is buffered (back-pressure bounds the buffer to `bufferedRecordsMax`), so the
 * producer always has a full buffer to batch from. Measured over the window: user records/s,
 * Kinesis records/s (aggregates count once), PutRecords calls/s, and put → acknowledgement latency
 * p50/p99 of the records put inside the window (from the moment put was called, so it includes the
 * time a record sat in the full buffer: with a saturated producer latency ≈ buffer ÷ throughput).
 *
 * Run alone: `node bench/producer.mjs` (after `npm run build`; BENCH_SECONDS sets the window), or
 * as part of `npm run bench` (BENCH_SCENARIOS=producer BENCH_SYSTEMS=tributary-fsync).
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { cpuSeconds, machineBusySeconds } from './lib/proc.mjs';
import { startTributary } from './lib/systems.mjs';

const shardCount = 4;
const keyCount = 1_000;
const bufferedRecordsMax = 10_000;
const lingerMs = 50;

function log(message) {
  process.stderr.write(`bench: [producer] ${message}\n`);
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

async function measure(server, clientModule, { recordBytes, aggregation, warmupMs, durationMs, run }) {
  const { KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand } = clientModule.sdk;
  const { Producer } = clientModule.producer;
  const kinesis = new KinesisClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    // The producer retries itself.
    maxAttempts: 1,
  });
  const streamName = `bench-producer-${run}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  for (let attempt = 0; attempt < 200; attempt++) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const producer = new Producer({
    kinesis,
    streamName,
    aggregation,
    lingerMs,
    maxBufferedRecords: bufferedRecordsMax,
  });
  const payloads = Array.from({ length: 64 }, (_, index) => new Uint8Array(recordBytes).fill(index));
  const latencies = [];
  let windowStart = Number.POSITIVE_INFINITY;
  let windowEnd = Number.POSITIVE_INFINITY;
  const startedAt = performance.now();
  let before;
  let serverCpuBefore;
  let ownCpuBefore;
  let machineBefore;
  for (let index = 0; ; index++) {
    const now = performance.now();
    if (before === undefined && now >= startedAt + warmupMs) {
      windowStart = now;
      windowEnd = now + durationMs;
      before = producer.metrics();
      serverCpuBefore = cpuSeconds(server.pid);
      ownCpuBefore = process.cpuUsage();
      machineBefore = machineBusySeconds();
    }
    if (now >= windowEnd) break;
    const putAt = performance.now();
    const { result } = await producer.enqueue({
      partitionKey: `key-${index % keyCount}`,
      data: payloads[index % payloads.length],
    });
    // Latency of every record put inside the window, however late its acknowledgement comes.
    if (putAt >= windowStart) result.then(() => latencies.push(performance.now() - putAt));
  }
  const after = producer.metrics();
  const seconds = durationMs / 1000;
  const serverCpu = cpuSeconds(server.pid);
  const own = process.cpuUsage(ownCpuBefore);
  const machine = machineBusySeconds();
  await producer.close();
  kinesis.destroy();
  latencies.sort((a, b) => a - b);
  const userRecords = after.userRecordsPut - before.userRecordsPut;
  return {
    recordBytes,
    aggregation,
    userRecordsPerSecond: userRecords / seconds,
    kinesisRecordsPerSecond: (after.kinesisRecordsPut - before.kinesisRecordsPut) / seconds,
    putRecordsCallsPerSecond: (after.putRecordsCalls - before.putRecordsCalls) / seconds,
    megabytesPerSecond: (after.userBytesPut - before.userBytesPut) / 1e6 / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    latencySamples: latencies.length,
    retries: after.retries - before.retries,
    failed: after.failedRecords - before.failedRecords,
    serverCores: serverCpu === null || serverCpuBefore === null ? null : (serverCpu - serverCpuBefore) / seconds,
    producerCores: (own.user + own.system) / 1e6 / seconds,
    machineCores: machine === null || machineBefore === null ? null : (machine - machineBefore) / seconds,
  };
}

export async function producerScenario(options) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const clientModule = {
    sdk: await import('@aws-sdk/client-kinesis'),
    producer: await import('@tributary/client'),
  };
  const server = await startTributary({ durability: 'fsync' });
  const runs = [];
  try {
    let run = 0;
    for (const recordBytes of [100, 1024])
      for (const aggregation of [false, true]) {
        log(`${recordBytes} B records, aggregation ${aggregation ? 'on' : 'off'}`);
        runs.push(await measure(server, clientModule, { ...options, recordBytes, aggregation, run: run++ }));
      }
  } finally {
    await server.stop();
  }
  return { settings: { shardCount, keyCount, bufferedRecordsMax, lingerMs, durationMs: options.durationMs }, runs };
}

const thousands = (value) => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '—');
const fixed = (value, digits = 1) => (typeof value === 'number' ? value.toFixed(digits) : '—');

export function producerMarkdown(result) {
  const { settings, runs } = result;
  return [
    '## Producer (@tributary/client) against Tributary (fsync)',
    '',
    `One loop keeps the Producer saturated (\`await producer.enqueue()\`, at most ${thousands(settings.bufferedRecordsMax)} records buffered, ` +
      `lingerMs ${settings.lingerMs}, ${settings.keyCount} partition keys, a ${settings.shardCount}-shard stream), ` +
      `${fixed(settings.durationMs / 1000)} s window. Latency is put → acknowledgement, time in the full buffer included.`,
    '',
    '| record | aggregation | user records/s | Kinesis records/s | PutRecords calls/s | MB/s | p50 ms | p99 ms | retries | failed | server cores | producer cores | machine cores |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...runs.map((run) =>
      [
        `| ${run.recordBytes} B`,
        run.aggregation ? 'on' : 'off',
        thousands(run.userRecordsPerSecond),
        thousands(run.kinesisRecordsPerSecond),
        thousands(run.putRecordsCallsPerSecond),
        fixed(run.megabytesPerSecond),
        fixed(run.p50Ms, 0),
        fixed(run.p99Ms, 0),
        thousands(run.retries),
        thousands(run.failed),
        fixed(run.serverCores, 2),
        fixed(run.producerCores, 2),
        `${fixed(run.machineCores, 2)} |`,
      ].join(' | '),
    ),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 1);
  producerScenario({ durationMs: seconds * 1000, warmupMs: warmupSeconds * 1000 }).then(
    (result) => {
      process.stdout.write(`${producerMarkdown(result)}\n`);
      process.exit(0);
    },
    (error) => {
      console.error('bench: producer failed:', error?.stack ?? error);
      process.exit(1);
    },
  );
}
