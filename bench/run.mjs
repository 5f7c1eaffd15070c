#!/usr/bin/env node
/**
 * `npm run bench`: starts every system in turn on 127.0.0.1, runs the same scenarios against each,
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

/**
 * The per-system scenarios in the order they run: scenario 1 first, on a fresh server, so its peak
 * RSS is not inflated by the others; the drain last, since it leaves the most data behind.
 */
function scenarioSteps(config, bodies) {
  const common = { timing: timing(config), repetitions: config.repetitions };
  return [
    {
      scenario: 'put-records',
      label: `PutRecords, ${config.putRecordsCallers} callers`,
      run: async (server, _definition, result) => {
        result.putRecords = await putRecordsScenario(server, {
          ...common,
          callers: config.putRecordsCallers,
          bodies: bodies.putRecords,
          recordsPerCall: config.recordsPerCall,
          recordBytes: config.putRecordsRecordBytes,
        });
      },
    },
    {
      scenario: 'sdk',
      label: 'PutRecords through the AWS SDK',
      applies: (definition) => definition.key === 'tributary-fsync',
      run: async (server, _definition, result) => {
        result.sdkPutRecords = await sdkPutRecordsScenario(server, {
          ...common,
          callers: config.putRecordsCallers,
          batches: bodies.sdk,
          streamName: streams.put,
          recordBytes: config.putRecordsRecordBytes,
        });
      },
    },
    ...config.putRecordCallers.map((callers) => ({
      scenario: 'put-record',
      label: `PutRecord, ${callers} caller${callers === 1 ? '' : 's'}`,
      run: async (server, _definition, result) => {
        result.putRecord ??= {};
        result.putRecord[callers] = await putRecordScenario(server, { ...common, callers, bodies: bodies.putRecord });
      },
    })),
    {
      scenario: 'latency',
      label: 'put → read latency',
      applies: (definition) => definition.stores,
      run: async (server, _definition, result, shardIds) => {
        result.latency = await putReadLatencyScenario(server, {
          repetitions: config.repetitions,
          durationMs: config.durationMs,
          ratePerSecond: config.latencyRatePerSecond,
          pollIntervalMs: config.latencyPollIntervalMs,
          seed: config.seed + 4,
          recordBytes: config.putRecordRecordBytes,
          streamName: streams.latency,
          shardId: shardIds.latency[0],
        });
      },
    },
    {
      scenario: 'drain',
      label: 'GetRecords drain',
      applies: (definition) => definition.stores,
      run: async (server, definition, result, shardIds) => {
        result.drain = await drainScenario(server, {
          streamName: streams.drain,
          shardId: shardIds.drain[0],
          recordCount: config.drainRecords[definition.key] ?? config.drainRecords.tributary,
          recordsPerCall: config.recordsPerCall,
          bodies: bodies.drain,
          fillCallers: config.drainFillCallers,
          fillSecondsMax: config.drainFillSecondsMax,
          drainSecondsMax: config.drainSecondsMax,
          repetitions: config.repetitions,
        });
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

async function measureSystem(definition, config, bodies) {
  log(`${definition.label}: starting`);
  const server = await definition.start();
  const result = { label: definition.label, version: definition.version(), stores: definition.stores };
  try {
    const shardIds = definition.stores ? await createStreams(server, config) : {};
    for (const step of scenarioSteps(config, bodies)) {
      if (!config.scenarios.includes(step.scenario) || !(step.applies?.(definition) ?? true)) continue;
      log(`${definition.label}: ${step.label}`);
      await step.run(server, definition, result, shardIds);
    }
    result.sessionPeakRssMB = peakRssMB(server.pid);
  } finally {
    await server.stop();
  }
  return result;
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
  const systems = {};
  const perSystemScenarios = config.scenarios.filter((name) => !['volume', 'fanout', 'producer'].includes(name));
  for (const definition of systemDefinitions) {
    if (!config.systems.includes(definition.key) || perSystemScenarios.length === 0) continue;
    await waitForQuiet(config);
    systems[definition.key] = await measureSystem(definition, config, bodies);
  }
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
