#!/usr/bin/env node
/**
 * `npm run bench`: starts every system on 127.0.0.1, runs the same scenarios against each (one
 * repetition at a time, the systems taking turns),
 * and writes bench/results/latest.md and latest.json (also printed). See docs/performance.md.
 * Settings come from the environment: see lib/config.mjs (BENCH_SECONDS, BENCH_REPETITIONS,
 * BENCH_QUICK=1, BENCH_SYSTEMS, BENCH_VOLUME_GB, …).
 */
import { performance } from 'node:perf_hooks';
import { cleanUpOnExit, killEverything } from './lib/children.mjs';
import { loadConfig } from './lib/config.mjs';
import { createActiveStream, KinesisClient } from './lib/kinesis-client.mjs';
import { describeMachine } from './lib/machine.mjs';
import { otherLoadCores, peakRssMB } from './lib/proc.mjs';
import { putRecordBodies, putRecordsBodies, sdkRecordBatches } from './lib/records.mjs';
import { buildReport, writeReport } from './lib/report.mjs';
import { startTributary, systemDefinitions } from './lib/systems.mjs';
import { producerMarkdown, producerScenario } from './producer.mjs';
import { fanOutMarkdown, fanOutScenario } from './scenarios/fanout-latency.mjs';
import { drainScenario } from './scenarios/get-records-drain.mjs';
import { putReadLatencyScenario } from './scenarios/put-read-latency.mjs';
import { putRecordScenario } from './scenarios/put-record.mjs';
import { putRecordsScenario } from './scenarios/put-records.mjs';
import { sdkPutRecordsScenario } from './scenarios/sdk-put-records.mjs';
import { volumeRestartScenario } from './scenarios/volume-restart.mjs';

const streams = { put: 'bench-put', drain: 'bench-drain', latency: 'bench-latency', volume: 'bench-volume' };
/** Distinct request bodies cycled through (16 × 500 × 1 KiB ≈ 11 MB of JSON per stream). */
const putRecordsBodyCount = 16;
const putRecordBodyCount = 1024;

function log(message) {
  process.stderr.write(`bench: [${(performance.now() / 1000).toFixed(1)} s] ${message}\n`);
}

function buildBodies(config) {
  const batch = (streamName, seedOffset) =>
    putRecordsBodies({
      seed: config.seed + seedOffset,
      count: putRecordsBodyCount,
      recordsPerCall: config.recordsPerCall,
      recordBytes: config.putRecordsRecordBytes,
      streamName,
    });
  return {
    putRecords: batch(streams.put, 0),
    drain: batch(streams.drain, 1),
    volume: config.volumeGigabytes > 0 && config.scenarios.includes('volume') ? batch(streams.volume, 2) : [],
    putRecord: putRecordBodies({
      seed: config.seed + 3,
      count: putRecordBodyCount,
      recordBytes: config.putRecordRecordBytes,
      streamName: streams.put,
    }),
    sdk: config.scenarios.includes('sdk')
      ? sdkRecordBatches({
          seed: config.seed,
          count: putRecordsBodyCount,
          recordsPerCall: config.recordsPerCall,
          recordBytes: config.putRecordsRecordBytes,
        })
      : [],
  };
}

function timing(config) {
  return {
    warmupMs: config.warmupMs,
    durationMs: config.durationMs,
    completionsPerCallerMin: config.completionsPerCallerMin,
    windowStretchMax: config.windowStretchMax,
  };
}

/** Adds one repetition's result to a scenario's result so far: runs appended, peaks the larger. */
function mergeRepetition(sofar, one) {
  if (sofar === undefined) return one;
  const merged = { ...sofar, runs: [...sofar.runs, ...one.runs] };
  if (typeof one.peakRssMB === 'number') merged.peakRssMB = Math.max(sofar.peakRssMB ?? 0, one.peakRssMB);
  return merged;
}

/**
 * The per-system scenarios in the order they run: scenario 1 first, on a fresh server, so its peak
 * RSS is not inflated by the others; the drain last, since it leaves the most data behind. Each
 * `run` measures one repetition (`repetition` counts from 0) and adds it to the system's result.
 */
function scenarioSteps(config, bodies) {
  const common = { timing: timing(config), repetitions: 1 };
  return [
    {
      scenario: 'put-records',
      label: `PutRecords, ${config.putRecordsCallers} callers`,
      run: async (server, _definition, result) => {
        const one = await putRecordsScenario(server, {
          ...common,
          callers: config.putRecordsCallers,
          bodies: bodies.putRecords,
          recordsPerCall: config.recordsPerCall,
          recordBytes: config.putRecordsRecordBytes,
        });
        result.putRecords = mergeRepetition(result.putRecords, one);
      },
    },
    {
      scenario: 'sdk',
      label: 'PutRecords through the AWS SDK',
      applies: (definition) => definition.key === 'tributary-fsync',
      run: async (server, _definition, result) => {
        const one = await sdkPutRecordsScenario(server, {
          ...common,
          callers: config.putRecordsCallers,
          batches: bodies.sdk,
          streamName: streams.put,
          recordBytes: config.putRecordsRecordBytes,
        });
        result.sdkPutRecords = mergeRepetition(result.sdkPutRecords, one);
      },
    },
    ...config.putRecordCallers.map((callers) => ({
      scenario: 'put-record',
      label: `PutRecord, ${callers} caller${callers === 1 ? '' : 's'}`,
      run: async (server, _definition, result) => {
        result.putRecord ??= {};
        const one = await putRecordScenario(server, { ...common, callers, bodies: bodies.putRecord });
        result.putRecord[callers] = mergeRepetition(result.putRecord[callers], one);
      },
    })),
    {
      scenario: 'latency',
      label: 'put → read latency',
      applies: (definition) => definition.stores,
      run: async (server, _definition, result, shardIds, repetition) => {
        const one = await putReadLatencyScenario(server, {
          repetitions: 1,
          firstRepetition: repetition,
          durationMs: config.durationMs,
          ratePerSecond: config.latencyRatePerSecond,
          pollIntervalMs: config.latencyPollIntervalMs,
          seed: config.seed + 4,
          recordBytes: config.putRecordRecordBytes,
          streamName: streams.latency,
          shardId: shardIds.latency[0],
        });
        result.latency = mergeRepetition(result.latency, one);
      },
    },
    {
      scenario: 'drain',
      label: 'GetRecords drain',
      applies: (definition) => definition.stores,
      run: async (server, definition, result, shardIds) => {
        // The first repetition fills the shard; the later ones drain what it wrote.
        const filled = result.drain?.recordCount;
        const one = await drainScenario(server, {
          streamName: streams.drain,
          shardId: shardIds.drain[0],
          recordCount: filled ?? config.drainRecords[definition.key] ?? config.drainRecords.tributary,
          fillRecordCount: filled === undefined ? undefined : 0,
          recordsPerCall: config.recordsPerCall,
          bodies: bodies.drain,
          fillCallers: config.drainFillCallers,
          fillSecondsMax: config.drainFillSecondsMax,
          drainSecondsMax: config.drainSecondsMax,
          repetitions: 1,
        });
        result.drain = mergeRepetition(result.drain, one);
      },
    },
  ];
}

async function createStreams(server, config) {
  const client = new KinesisClient(server.url);
  try {
    return {
      put: await createActiveStream(client, { streamName: streams.put, shardCount: config.putRecordsShardCount }),
      drain: await createActiveStream(client, { streamName: streams.drain, shardCount: 1 }),
      latency: await createActiveStream(client, { streamName: streams.latency, shardCount: 1 }),
    };
  } finally {
    await client.close();
  }
}

/**
 * Every selected system, measured one repetition at a time: all of them are started first (and
 * stay idle while the others are measured), then each scenario runs its first repetition on every
 * system, then its second on every system, and so on. This shared VM's speed drifts over minutes
 * (the same build measured 48 k and 67 k PutRecords records/s five minutes apart), and measuring a
 * system's three repetitions back to back would fold that drift into the ratios between systems.
 */
async function measureSystems(definitions, config, bodies) {
  const running = [];
  try {
    for (const definition of definitions) {
      log(`${definition.label}: starting`);
      const server = await definition.start();
      const result = { label: definition.label, version: definition.version(), stores: definition.stores };
      running.push({ definition, server, result, shardIds: {} });
      if (definition.stores) running.at(-1).shardIds = await createStreams(server, config);
    }
    for (const step of scenarioSteps(config, bodies)) {
      if (!config.scenarios.includes(step.scenario)) continue;
      const systems = running.filter(({ definition }) => step.applies?.(definition) ?? true);
      for (let repetition = 0; repetition < config.repetitions; repetition++) {
        await waitForQuiet(config);
        for (const { definition, server, result, shardIds } of systems) {
          log(`${definition.label}: ${step.label} (${repetition + 1} of ${config.repetitions})`);
          await step.run(server, definition, result, shardIds, repetition);
        }
      }
    }
    const results = {};
    for (const { definition, server, result } of running) {
      result.sessionPeakRssMB = peakRssMB(server.pid);
      results[definition.key] = result;
    }
    return results;
  } finally {
    for (const { server } of running) await server.stop();
  }
}

/** Waits (bounded) until unrelated processes use less than quietOtherCoresMax cores, sampled over 1 s. */
async function waitForQuiet(config) {
  if (config.quietWaitSecondsMax <= 0) return;
  const deadline = performance.now() + config.quietWaitSecondsMax * 1000;
  for (;;) {
    const otherCores = await otherLoadCores(1000);
    if (otherCores === null || otherCores <= config.quietOtherCoresMax) return;
    if (performance.now() >= deadline) {
      log(`the machine is still busy (${otherCores.toFixed(2)} cores used by other processes); measuring anyway`);
      return;
    }
    log(`waiting for the machine to quiet down (${otherCores.toFixed(2)} cores used by other processes)`);
  }
}

async function main() {
  cleanUpOnExit();
  const startedAt = performance.now();
  const config = loadConfig();
  const unknown = config.systems.filter((key) => !systemDefinitions.some((definition) => definition.key === key));
  if (unknown.length > 0) throw new Error(`unknown BENCH_SYSTEMS entries: ${unknown.join(', ')}`);
  log('describing the machine');
  const machine = describeMachine();
  log('building request bodies');
  const bodies = buildBodies(config);
  const perSystemScenarios = config.scenarios.filter((name) => !['volume', 'fanout', 'producer'].includes(name));
  const selected = systemDefinitions.filter((definition) => config.systems.includes(definition.key));
  const systems = perSystemScenarios.length === 0 ? {} : await measureSystems(selected, config, bodies);
  let volume = null;
  if (config.volumeGigabytes > 0 && config.systems.includes('tributary-fsync') && config.scenarios.includes('volume')) {
    await waitForQuiet(config);
    log(`Tributary (fsync): writing and reading back ${config.volumeGigabytes} GB, then restarts`);
    volume = await volumeRestartScenario(() => startTributary({ durability: 'fsync', keepDataDirectory: true }), {
      gigabytes: config.volumeGigabytes,
      recordBytes: config.putRecordsRecordBytes,
      recordsPerCall: config.recordsPerCall,
      callers: config.putRecordsCallers,
      bodies: bodies.volume,
      writeSecondsMax: config.volumeSecondsPerGigabyteMax * config.volumeGigabytes + 10,
      readSecondsMax: config.volumeSecondsPerGigabyteMax * config.volumeGigabytes + 10,
      repetitions: config.repetitions,
      restart: (dataDirectory) => startTributary({ durability: 'fsync', dataDirectory, keepDataDirectory: true }),
    });
  }
  let fanOut = null;
  if (config.scenarios.includes('fanout')) {
    await waitForQuiet(config);
    log('fan-out: Tributary SubscribeToShard, Redis Streams, kinesalite polling');
    fanOut = await fanOutScenario({
      durationMs: config.durationMs,
      ratePerSecond: config.latencyRatePerSecond,
      throughputRecords: config.fanOutThroughputRecords,
      kinesaliteThroughputRecords: config.fanOutKinesaliteThroughputRecords,
    });
  }
  let producer = null;
  if (config.scenarios.includes('producer') && config.systems.includes('tributary-fsync')) {
    await waitForQuiet(config);
    log('producer: @tributary/client Producer against Tributary (fsync)');
    producer = await producerScenario({ durationMs: config.durationMs, warmupMs: config.warmupMs });
  }
  const report = buildReport({
    config,
    machine,
    systems,
    volume,
    elapsedSeconds: (performance.now() - startedAt) / 1000,
  });
  if (fanOut) {
    // Its own section (scenario 7), after the per-system tables.
    report.json.fanOut = fanOut;
    report.markdown = `${report.markdown}\n\n${fanOutMarkdown(fanOut)}`;
  }
  if (producer) {
    report.json.producer = producer;
    report.markdown = `${report.markdown}\n\n${producerMarkdown(producer)}`;
  }
  const written = writeReport(report, config);
  process.stdout.write(`${report.markdown}\n`);
  log(`wrote ${written.join(' and ')} in ${report.json.elapsedSeconds.toFixed(0)} s`);
}

main().then(
  () => {
    killEverything();
    process.exit(0);
  },
  (error) => {
    console.error('bench: failed:', error?.stack ?? error);
    killEverything();
    process.exit(1);
  },
);
