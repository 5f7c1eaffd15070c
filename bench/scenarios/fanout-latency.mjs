/**
 * Scenario 7: push fan-out, in one run for three systems.
 *
 * - Tributary (durability fsync): SubscribeToShard (enhanced fan-out) over HTTP/2.
 * - Redis Streams: XADD → XREAD BLOCK, redis-server with `--appendfsync always`.
 * - kinesalite: no push at all; consumers poll GetRecords back to back (its best case).
 *
 * Latency: one producer sends one 100-byte record at a steady rate; latency = (time a consumer
 * decoded the event / reply that carries it) − (time its write was sent), for 1 consumer of a
 * 1-shard stream and for 10 consumers of a 4-shard stream (every consumer reads every shard, so each
 * record yields 10 samples). Throughput: a producer writes `throughputRecords` records of 1 KiB as
 * fast as it can (PutRecords of 500 / pipelined XADD) while 10 consumers read them all; records/s
 * = records × consumers ÷ (last delivery − first write).
 *
 * Run alone: `node bench/scenarios/fanout-latency.mjs` (after `npm run build`), or as part of
 * `npm run bench` (BENCH_SCENARIOS=fanout for only this one).
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { openConsumer, registerConsumer } from '../lib/efo-subscriber.mjs';
import { latencyTracker, produceSteadily, settle, throughputTracker } from '../lib/fanout-measure.mjs';
import { createActiveStream, KinesisClient } from '../lib/kinesis-client.mjs';
import { pollConsumers } from '../lib/polling-consumer.mjs';
import { randomBytes, seededRandom } from '../lib/records.mjs';
import { ensureRedisServer, RespClient, redisVersion, startRedis } from '../lib/redis.mjs';
import { startKinesalite, startPushFloorServer, startTributary } from '../lib/systems.mjs';

const latencyRecordBytes = 100;
const throughputRecordBytes = 1024;
const recordsPerPutRecords = 500;

function log(message) {
  process.stderr.write(`bench: [fan-out] ${message}\n`);
}

const indexOfKey = (key) => Number(/-(\d+)$/.exec(key)?.[1] ?? -1);

// ----- Kinesis systems (Tributary pushes, kinesalite is polled) -----

/**
 * The latency runs' producer: `count` PutRecord calls of latencyRecordBytes at `ratePerSecond`,
 * each partition key ending in the record's index; resolves once every consumer saw every record
 * (or the settle time passed).
 */
async function putRecordsSteadily(producer, streamName, { count, ratePerSecond, run }, tracker) {
  const random = seededRandom(run.length);
  const bodies = Array.from({ length: count }, (_, index) =>
    Buffer.from(
      JSON.stringify({
        StreamName: streamName,
        PartitionKey: `${randomBytes(random, 4).toString('hex')}-${index}`,
        Data: randomBytes(random, latencyRecordBytes).toString('base64'),
      }),
    ),
  );
  await produceSteadily(
    count,
    ratePerSecond,
    tracker.sentAt,
    async (index) => {
      const { statusCode } = await producer.send('PutRecord', bodies[index]);
      if (statusCode !== 200) throw new Error(`PutRecord answered ${statusCode}`);
    },
    tracker.acknowledgements,
  );
  await settle(tracker.complete);
}

async function kinesisLatency(server, push, { consumers, shards, count, ratePerSecond, run, format }) {
  const admin = new KinesisClient(server.url);
  const producer = new KinesisClient(server.url, { connections: 4 });
  const streamName = `fanout-latency-${run}`;
  const tracker = latencyTracker(count, consumers);
  const readers = [];
  try {
    const shardIds = await createActiveStream(admin, { streamName, shardCount: shards });
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
    for (let consumer = 0; consumer < consumers; consumer++) {
      const onRecords = (records, arrivedAt) => {
        for (const record of records) tracker.saw(consumer, indexOfKey(record.PartitionKey), arrivedAt);
      };
      readers.push(
        push
          ? await openConsumer(
              server.url,
              await registerConsumer(server.url, arn, `c${consumer}`),
              shardIds,
              onRecords,
              format,
            )
          : await pollConsumers(server.url, streamName, shardIds, onRecords),
      );
    }
    await putRecordsSteadily(producer, streamName, { count, ratePerSecond, run }, tracker);
    return tracker.result();
  } finally {
    for (const reader of readers) reader.close();
    await Promise.all([admin.close(), producer.close()]);
  }
}

async function kinesisThroughput(server, push, { consumers, count, run, format }) {
  const admin = new KinesisClient(server.url);
  const producer = new KinesisClient(server.url, { connections: 4 });
  const streamName = `fanout-throughput-${run}`;
  const tracker = throughputTracker(count, consumers, throughputRecordBytes);
  const readers = [];
  try {
    const shardIds = await createActiveStream(admin, { streamName, shardCount: 4 });
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`;
    for (let consumer = 0; consumer < consumers; consumer++) {
      const onRecords = (records, arrivedAt) => tracker.saw(consumer, records.length, arrivedAt);
      readers.push(
        push
          ? await openConsumer(
              server.url,
              await registerConsumer(server.url, arn, `t${consumer}`),
              shardIds,
              onRecords,
              format,
            )
          : await pollConsumers(server.url, streamName, shardIds, onRecords),
      );
    }
    const random = seededRandom(17);
    const calls = Math.ceil(count / recordsPerPutRecords);
    const body = (call) =>
      Buffer.from(
        JSON.stringify({
          StreamName: streamName,
          Records: Array.from(
            { length: Math.min(recordsPerPutRecords, count - call * recordsPerPutRecords) },
            (_, i) => ({
              PartitionKey: `${call}-${i}`,
              Data: randomBytes(random, throughputRecordBytes).toString('base64'),
            }),
          ),
        }),
      );
    const bodies = Array.from({ length: Math.min(calls, 16) }, (_, call) => body(call));
    const startedAt = performance.now();
    let next = 0;
    const writer = async () => {
      while (next < calls) {
        const call = next++;
        const { statusCode } = await producer.send('PutRecords', call < bodies.length ? bodies[call] : body(call));
        if (statusCode !== 200) throw new Error(`PutRecords answered ${statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, writer));
    await settle(tracker.complete);
    return tracker.result(startedAt);
  } finally {
    for (const reader of readers) reader.close();
    await Promise.all([admin.close(), producer.close()]);
  }
}

// ----- the push floor: Node itself, with none of Tributary's work -----

/** One subscriber of bench/push-floor-server.mjs: a chunked answer of JSON lines. */
function floorSubscriber(url, onRecords) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${url}/subscribe`, { agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`subscribe answered ${response.statusCode}`));
      let pending = '';
      response.setEncoding('latin1');
      response.on('data', (text) => {
        const arrivedAt = performance.now();
        pending += text;
        const end = pending.lastIndexOf('\n');
        if (end < 0) return;
        const lines = pending.slice(0, end).split('\n');
        pending = pending.slice(end + 1);
        onRecords(
          lines.map((line) => JSON.parse(line)),
          arrivedAt,
        );
      });
      response.on('error', () => {});
      resolve({ close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

async function floorLatency(server, { consumers, count, ratePerSecond, run }) {
  const producer = new KinesisClient(server.url, { connections: 4 });
  const tracker = latencyTracker(count, consumers);
  const readers = [];
  try {
    for (let consumer = 0; consumer < consumers; consumer++) {
      readers.push(
        await floorSubscriber(server.url, (records, arrivedAt) => {
          for (const record of records) tracker.saw(consumer, indexOfKey(record.PartitionKey), arrivedAt);
        }),
      );
    }
    await putRecordsSteadily(producer, 'floor', { count, ratePerSecond, run }, tracker);
    return tracker.result();
  } finally {
    for (const reader of readers) reader.close();
    await producer.close();
  }
}

// ----- Redis Streams -----

async function redisReaders(port, key, consumers, onEntries) {
  const clients = [];
  let running = true;
  for (let consumer = 0; consumer < consumers; consumer++) {
    const client = await RespClient.connect(port);
    clients.push(client);
    let lastId = '$';
    void (async () => {
      while (running) {
        const reply = await client
          .command('XREAD', 'COUNT', '1000', 'BLOCK', '0', 'STREAMS', key, lastId)
          .catch(() => null);
        const arrivedAt = performance.now();
        if (!reply) return;
        const entries = reply[0][1];
        lastId = entries.at(-1)[0].toString();
        onEntries(consumer, entries, arrivedAt);
      }
    })();
  }
  // XREAD BLOCK with "$" only waits once it has been sent: a round trip on each makes sure.
  await new Promise((resolve) => setTimeout(resolve, 50));
  return () => {
    running = false;
    for (const client of clients) client.close();
  };
}

async function redisLatency(port, { consumers, count, ratePerSecond, run }) {
  const key = `latency-${run}`;
  const tracker = latencyTracker(count, consumers);
  const stop = await redisReaders(port, key, consumers, (consumer, entries, arrivedAt) => {
    for (const [, fields] of entries) tracker.saw(consumer, Number(fields[1].toString()), arrivedAt);
  });
  const producer = await RespClient.connect(port);
  try {
    const payload = randomBytes(seededRandom(3), latencyRecordBytes);
    await produceSteadily(
      count,
      ratePerSecond,
      tracker.sentAt,
      (index) => producer.command('XADD', key, '*', 'i', String(index), 'd', payload),
      tracker.acknowledgements,
    );
    await settle(tracker.complete);
    return tracker.result();
  } finally {
    stop();
    producer.close();
  }
}

async function redisThroughput(port, { consumers, count }) {
  const key = 'throughput';
  const tracker = throughputTracker(count, consumers, throughputRecordBytes);
  const stop = await redisReaders(port, key, consumers, (consumer, entries, arrivedAt) =>
    tracker.saw(consumer, entries.length, arrivedAt),
  );
  const producer = await RespClient.connect(port);
  try {
    const payload = randomBytes(seededRandom(5), throughputRecordBytes);
    const startedAt = performance.now();
    for (let sent = 0; sent < count; sent += recordsPerPutRecords) {
      const batch = Math.min(recordsPerPutRecords, count - sent);
      await Promise.all(
        Array.from({ length: batch }, (_, i) =>
          producer.command('XADD', key, '*', 'i', String(sent + i), 'd', payload),
        ),
      );
    }
    await settle(tracker.complete);
    return tracker.result(startedAt);
  } finally {
    stop();
    producer.close();
  }
}

// ----- the scenario -----

export async function fanOutScenario(options) {
  const count = Math.max(1, Math.round((options.durationMs / 1000) * options.ratePerSecond));
  const latency = { count, ratePerSecond: options.ratePerSecond };
  const cases = [
    { name: 'oneConsumer', consumers: 1, shards: 1 },
    { name: 'tenConsumers', consumers: 10, shards: 4 },
  ];
  const result = { settings: { ...latency, throughputRecords: options.throughputRecords }, systems: {} };

  const wanted = (key) => (options.systems ?? ['tributary', 'floor', 'redis', 'kinesalite']).includes(key);
  if (wanted('tributary')) await measureTributary(options, cases, latency, result);
  if (wanted('floor')) await measureFloor(cases, latency, result);
  if (wanted('redis')) await measureRedis(options, cases, latency, result);
  if (wanted('kinesalite')) await measureKinesalite(options, cases, latency, result);
  return result;
}

async function measureTributary(options, cases, latency, result) {
  const durability = options.durability ?? 'fsync';
  // CBOR by default: what the Java SDK and KCL subscribe with (no base64 on either side).
  const format = options.format ?? 'cbor';
  log(`Tributary (${durability}): SubscribeToShard in ${format.toUpperCase()}`);
  const tributary = await startTributary({ durability });
  try {
    const measured = { label: `Tributary (${durability}), SubscribeToShard ${format.toUpperCase()}` };
    for (const one of cases) {
      measured[one.name] = await kinesisLatency(tributary, true, { ...one, ...latency, run: `t-${one.name}`, format });
    }
    measured.throughput = await kinesisThroughput(tributary, true, {
      consumers: 10,
      count: options.throughputRecords,
      run: 't',
      format,
    });
    result.systems.tributary = measured;
  } finally {
    await tributary.stop();
  }
}

async function measureFloor(cases, latency, result) {
  log('push floor: Node HTTP/1.1, O_DSYNC write, chunked push');
  const floor = await startPushFloorServer();
  try {
    const measured = { label: 'Node floor (bench/push-floor-server.mjs: HTTP/1.1, O_DSYNC write, chunked push)' };
    for (const one of cases)
      measured[one.name] = await floorLatency(floor, { ...one, ...latency, run: `f-${one.name}` });
    result.systems.floor = measured;
  } finally {
    await floor.stop();
  }
}

async function measureRedis(options, cases, latency, result) {
  log('Redis Streams (appendfsync always): XADD → XREAD BLOCK');
  const binary = ensureRedisServer(log);
  const redis = await startRedis(binary);
  try {
    const measured = { label: `Redis ${redisVersion(binary)} (appendfsync always), XREAD BLOCK` };
    for (const one of cases) measured[one.name] = await redisLatency(redis.port, { ...one, ...latency, run: one.name });
    measured.throughput = await redisThroughput(redis.port, { consumers: 10, count: options.throughputRecords });
    result.systems.redis = measured;
  } finally {
    await redis.stop();
  }
}

async function measureKinesalite(options, cases, latency, result) {
  log('kinesalite: GetRecords polled back to back');
  const kinesalite = await startKinesalite();
  try {
    const measured = { label: 'kinesalite, GetRecords polling' };
    for (const one of cases)
      measured[one.name] = await kinesisLatency(kinesalite, false, { ...one, ...latency, run: `k-${one.name}` });
    measured.throughput = await kinesisThroughput(kinesalite, false, {
      consumers: 10,
      count: options.kinesaliteThroughputRecords,
      run: 'k',
    });
    result.systems.kinesalite = measured;
  } finally {
    await kinesalite.stop();
  }
}

const milliseconds = (value) => (typeof value === 'number' ? value.toFixed(2) : '—');
const thousands = (value) => (typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : '—');

export function fanOutMarkdown(result) {
  const { settings, systems } = result;
  const rows = Object.values(systems).map((system) =>
    [
      system.label,
      ...['oneConsumer', 'tenConsumers'].flatMap((name) => {
        const measured = system[name];
        return [
          milliseconds(measured?.p50Ms),
          milliseconds(measured?.p99Ms),
          milliseconds(measured?.maxMs),
          milliseconds(measured?.acknowledgedP50Ms),
          `${measured?.missing ?? '—'}`,
        ];
      }),
      thousands(system.throughput?.recordsPerSecond),
      typeof system.throughput?.megabytesPerSecond === 'number' ? system.throughput.megabytesPerSecond.toFixed(1) : '—',
      system.throughput
        ? `${thousands(system.throughput.delivered)} of ${thousands(system.throughput.records * system.throughput.consumers)}`
        : '—',
    ].join(' | '),
  );
  return [
    '## Fan-out: put → subscriber latency and throughput',
    '',
    `Latency: ${settings.count} records of ${latencyRecordBytes} B at ${settings.ratePerSecond}/s; latency = consumer decoded it − write sent (ms). ` +
      `"1 consumer" reads a 1-shard stream; "10 consumers" each read all 4 shards of a 4-shard stream. ` +
      '"write ack" is the producer\'s own write latency (sent → acknowledged) in the same run. ' +
      `Throughput: 10 consumers each read every record of ${throughputRecordBytes} B (records/s and MB/s summed over the consumers).`,
    '',
    '| system | 1 consumer p50 | p99 | max | write ack p50 | missing | 10 consumers p50 | p99 | max | write ack p50 | missing | fan-out records/s | MB/s | delivered |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((row) => `| ${row} |`),
    '',
    ...fanOutTargets(systems),
  ].join('\n');
}

/** Issue 5's targets, judged on this run; the Node floor says what Node itself reaches here. */
function fanOutTargets({ tributary, redis, floor }) {
  if (!tributary) return [];
  const one = tributary.oneConsumer;
  const verdict = (measured, limit, met) =>
    typeof measured !== 'number' || typeof limit !== 'number'
      ? 'not measured'
      : met
        ? 'met'
        : `missed by ×${(measured / limit).toFixed(2)}`;
  const rows = [
    ['1 consumer p50', '< 1 ms', one?.p50Ms, 1, one?.p50Ms < 1],
    [
      '1 consumer p99',
      '≤ 2 × Redis p99',
      one?.p99Ms,
      redis && 2 * redis.oneConsumer?.p99Ms,
      one?.p99Ms <= 2 * redis?.oneConsumer?.p99Ms,
    ],
    [
      '10 consumers p99',
      '≤ 5 × 1-consumer p99',
      tributary.tenConsumers?.p99Ms,
      5 * one?.p99Ms,
      tributary.tenConsumers?.p99Ms <= 5 * one?.p99Ms,
    ],
  ];
  const floorOf = (key) => (floor ? `${milliseconds(floor[key]?.p50Ms)} / ${milliseconds(floor[key]?.p99Ms)}` : '—');
  return [
    '| target (issue 5) | required | measured ms | limit ms | result | Node floor p50 / p99 ms |',
    '|---|---|--:|--:|---|---|',
    ...rows.map(
      ([name, required, measured, limit, met], index) =>
        `| ${name} | ${required} | ${milliseconds(measured)} | ${milliseconds(limit)} | ${verdict(measured, limit, met)} | ${floorOf(index === 2 ? 'tenConsumers' : 'oneConsumer')} |`,
    ),
    '',
  ];
}

async function main() {
  const { cleanUpOnExit, killEverything } = await import('../lib/children.mjs');
  cleanUpOnExit();
  const quick = process.env.BENCH_QUICK === '1';
  try {
    const result = await fanOutScenario({
      durationMs: Number(process.env.BENCH_SECONDS ?? (quick ? 1 : 5)) * 1000,
      ratePerSecond: Number(process.env.BENCH_LATENCY_RATE ?? 100),
      throughputRecords: quick ? 2_000 : 50_000,
      kinesaliteThroughputRecords: quick ? 1_000 : 10_000,
      // BENCH_FANOUT_SYSTEMS=tributary,floor,redis,kinesalite (default: all); BENCH_FANOUT_DURABILITY=os|fsync.
      systems: process.env.BENCH_FANOUT_SYSTEMS?.split(',').map((key) => key.trim()),
      durability: process.env.BENCH_FANOUT_DURABILITY ?? 'fsync',
      format: process.env.BENCH_FANOUT_FORMAT ?? 'cbor',
    });
    process.stdout.write(`${fanOutMarkdown(result)}\n${JSON.stringify(result, null, 2)}\n`);
  } finally {
    killEverything();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error('bench: fan-out failed:', error?.stack ?? error);
      process.exit(1);
    },
  );
}
