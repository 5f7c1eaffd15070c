#!/usr/bin/env node
/**
 * CPU profiles of Tributary (durability fsync and os) under the benchmark's scenarios: the server runs as
 * `node --cpu-prof packages/server/dist/cli/main.js serve …`, one fresh server per scenario, stopped
 * with SIGTERM so V8 writes the profile. Prints and writes bench/results/profile.md (+ .json) with
 * the top self-time and inclusive-time functions. Run after `npm run build`:
 *   node bench/profile.mjs
 * Settings: BENCH_SECONDS, BENCH_PROFILE_SCENARIOS=put-records,put-record-32,put-record-1,drain and
 * BENCH_PROFILE_DURABILITY=fsync,os.
 */
import { mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUpOnExit, killEverything, removeDirectory, trackDirectory } from './lib/children.mjs';
import { loadConfig } from './lib/config.mjs';
import { summarizeProfile } from './lib/cpu-profile.mjs';
import { createActiveStream, KinesisClient } from './lib/kinesis-client.mjs';
import { putRecordBodies, putRecordsBodies } from './lib/records.mjs';
import { repositoryDirectory, startTributary } from './lib/systems.mjs';
import { drainScenario } from './scenarios/get-records-drain.mjs';
import { putRecordScenario } from './scenarios/put-record.mjs';
import { putRecordsScenario } from './scenarios/put-records.mjs';

const resultsDirectory = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

function log(message) {
  process.stderr.write(`profile: ${message}\n`);
}

/**
 * One profiled server: `prepare` (if any) runs first on an unprofiled server, which is then stopped,
 * and the profiled server starts on the same data directory, so that e.g. the drain profile holds
 * the reads and not the writes that filled the shard.
 */
async function profileOne(scenario) {
  const profileDirectory = trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'tributary-profile-')));
  const dataDirectory = trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-')));
  const start = (nodeOptions) =>
    startTributary({ durability: scenario.durability, dataDirectory, keepDataDirectory: true, nodeOptions });
  let server = await start([]);
  let measured;
  try {
    const client = new KinesisClient(server.url);
    const shardIds = {
      put: await createActiveStream(client, { streamName: 'bench-put', shardCount: 4 }),
      drain: await createActiveStream(client, { streamName: 'bench-drain', shardCount: 1 }),
    };
    await client.close();
    const prepared = scenario.prepare ? await scenario.prepare(server, shardIds) : undefined;
    await server.stop();
    server = await start(['--cpu-prof', '--cpu-prof-dir', profileDirectory]);
    log(`${scenario.name}: measuring`);
    measured = await scenario.run(server, shardIds, prepared);
  } finally {
    // SIGTERM: the server closes cleanly and V8 writes the profile on exit.
    await server.stop('SIGTERM');
    removeDirectory(dataDirectory);
  }
  const [file] = readdirSync(profileDirectory).filter((entry) => entry.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written for ${scenario.name}`);
  const summary = summarizeProfile(path.join(profileDirectory, file), { repositoryDirectory, count: 25 });
  removeDirectory(profileDirectory);
  return { name: scenario.name, durability: scenario.durability, measured, ...summary, file: undefined };
}

function markdown(results, config) {
  const lines = [
    `# Tributary CPU profiles — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `\`node --cpu-prof\` on the server, ${config.durationMs / 1000} s windows, Node ${process.version}. ` +
      "Shares are of the server main thread's busy (non-idle) samples; profiling itself slows the server somewhat.",
  ];
  for (const result of results) {
    lines.push(
      '',
      `## ${result.name} (durability ${result.durability})`,
      '',
      `${result.measured}; ${result.busySeconds.toFixed(1)} s busy of ${result.sampledSeconds.toFixed(1)} s sampled.`,
      '',
    );
    lines.push('| self % | self ms | function (file:line) |', '|---:|---:|---|');
    for (const row of result.topSelf.slice(0, 20)) {
      lines.push(`| ${(row.shareOfBusy * 100).toFixed(1)} | ${row.milliseconds.toFixed(0)} | \`${row.function}\` |`);
    }
    lines.push('', '<details><summary>inclusive time</summary>', '', '| incl. % | function |', '|---:|---|');
    for (const row of result.topInclusive.slice(0, 25)) {
      lines.push(`| ${(row.shareOfBusy * 100).toFixed(1)} | \`${row.function}\` |`);
    }
    lines.push('', '</details>');
  }
  return lines.join('\n');
}

async function main() {
  cleanUpOnExit();
  const config = loadConfig();
  const timing = { warmupMs: config.warmupMs, durationMs: config.durationMs };
  const wanted = (process.env.BENCH_PROFILE_SCENARIOS ?? 'put-records,put-record-32,put-record-1,drain').split(',');
  const durabilities = (process.env.BENCH_PROFILE_DURABILITY ?? 'fsync,os').split(',');
  const putRecords = putRecordsBodies({
    seed: config.seed,
    count: 16,
    recordsPerCall: 500,
    recordBytes: 1024,
    streamName: 'bench-put',
  });
  const drain = putRecordsBodies({
    seed: config.seed + 1,
    count: 16,
    recordsPerCall: 500,
    recordBytes: 1024,
    streamName: 'bench-drain',
  });
  const putRecord = putRecordBodies({ seed: config.seed + 3, count: 1024, recordBytes: 100, streamName: 'bench-put' });
  const putRecordsRun = async (server) => {
    const result = await putRecordsScenario(server, {
      timing,
      repetitions: 1,
      callers: 8,
      bodies: putRecords,
      recordsPerCall: 500,
      recordBytes: 1024,
    });
    return `PutRecords 500 × 1 KiB, 8 callers: ${Math.round(result.runs[0].recordsPerSecond)} records/s`;
  };
  const putRecordRun = (callers) => async (server) => {
    const result = await putRecordScenario(server, { timing, repetitions: 1, callers, bodies: putRecord });
    const run = result.runs[0];
    return (
      `PutRecord 100 B, ${callers} caller${callers === 1 ? '' : 's'}: ${Math.round(run.requestsPerSecond)} requests/s, ` +
      `p50 ${run.p50Ms.toFixed(2)} ms, p99 ${run.p99Ms.toFixed(2)} ms`
    );
  };
  const recordCount = config.drainRecords.tributary;
  const drainOptions = (shardIds) => ({
    streamName: 'bench-drain',
    shardId: shardIds.drain[0],
    recordsPerCall: 500,
    bodies: drain,
    fillCallers: 4,
    fillSecondsMax: config.drainFillSecondsMax,
    drainSecondsMax: config.drainSecondsMax,
  });
  const scenarios = [
    { name: 'put-records', durability: 'fsync', run: putRecordsRun },
    { name: 'put-records', durability: 'os', run: putRecordsRun },
    { name: 'put-record-32', durability: 'fsync', run: putRecordRun(32) },
    { name: 'put-record-32', durability: 'os', run: putRecordRun(32) },
    { name: 'put-record-1', durability: 'fsync', run: putRecordRun(1) },
    {
      name: 'drain',
      durability: 'fsync',
      // Filled by an unprofiled server; the profiled one only reads (recordCount 0 = no more writes).
      prepare: (server, shardIds) => drainScenario(server, { ...drainOptions(shardIds), recordCount, repetitions: 0 }),
      run: async (server, shardIds) => {
        const result = await drainScenario(server, {
          ...drainOptions(shardIds),
          recordCount,
          fillRecordCount: 0,
          repetitions: 2,
        });
        return `GetRecords drain of ${recordCount} records (reads only): ${result.runs.map((run) => Math.round(run.recordsPerSecond)).join(', ')} records/s`;
      },
    },
  ];
  const results = [];
  for (const scenario of scenarios) {
    if (!wanted.includes(scenario.name) || !durabilities.includes(scenario.durability)) continue;
    results.push(await profileOne(scenario));
  }
  const text = markdown(results, config);
  const suffix = config.quick ? '.tmp' : '';
  for (const [file, content] of [
    [path.join(resultsDirectory, `profile.md${suffix}`), `${text}\n`],
    [path.join(resultsDirectory, `profile.json${suffix}`), `${JSON.stringify(results, null, 2)}\n`],
  ]) {
    writeFileSync(`${file}.writing.tmp`, content);
    renameSync(`${file}.writing.tmp`, file);
  }
  process.stdout.write(`${text}\n`);
}

main().then(
  () => {
    killEverything();
    process.exit(0);
  },
  (error) => {
    console.error('profile: failed:', error?.stack ?? error);
    killEverything();
    process.exit(1);
  },
);
