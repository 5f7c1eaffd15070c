#!/usr/bin/env node
/**
 * Where Tributary's memory goes while it writes and then reads back (the volume scenario in
 * small): starts `serve --durability fsync` with bench/lib/memory-sampler.cjs loaded, writes
 * PROBE_GB of 1 KiB records to a 4-shard stream (PutRecords of 500, 8 callers), reads them back
 * with 4 concurrent GetRecords loops (Limit 10000), and prints per phase the peaks of RSS (and
 * VmHWM), the V8 heap, ArrayBuffers (memory outside the heap) and what is neither, at the moment
 * of the RSS peak. Run after `npm run build`:
 *   PROBE_GB=0.3 node bench/memory-probe.mjs
 * PROBE_NODE_OPTIONS adds node flags to the server (e.g. --max-semi-space-size=4); environment
 * variables such as MALLOC_MMAP_THRESHOLD_ pass through to it. PROBE_SNAPSHOT_MS=1500 takes a heap
 * snapshot that long into the read phase (written next to the samples, in the temporary directory).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { cleanUpOnExit, removeDirectory, trackDirectory } from './lib/children.mjs';
import { createActiveStream, KinesisClient, shardIterator } from './lib/kinesis-client.mjs';
import { peakRssMB, resetPeakRss } from './lib/proc.mjs';
import { putRecordsBodies } from './lib/records.mjs';
import { recordCount, stringField } from './lib/scan.mjs';
import { startTributary } from './lib/systems.mjs';

const sampler = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'memory-sampler.cjs');
const gigabytes = Number(process.env.PROBE_GB ?? 0.3);
const streamName = 'memory-probe';
const megabytes = (bytes) => Math.round(bytes / 1e6);

cleanUpOnExit();
const sampleDirectory = trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'tributary-memory-probe-')));
const samplesFile = path.join(sampleDirectory, 'samples.jsonl');
process.env.TRIBUTARY_MEMORY_SAMPLES = samplesFile;
const extraOptions = (process.env.PROBE_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
const server = await startTributary({ durability: 'fsync', nodeOptions: [...extraOptions, '--require', sampler] });
const client = new KinesisClient(server.url, { connections: 8 });
const marks = {};
try {
  const shardIds = await createActiveStream(client, { streamName, shardCount: 4 });
  const bodies = putRecordsBodies({ seed: 1, count: 16, recordsPerCall: 500, recordBytes: 1024, streamName });
  resetPeakRss(server.pid);
  const callCount = Math.ceil((gigabytes * 1e9) / 1024 / 500);
  let nextCall = 0;
  marks.writeStart = Date.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (nextCall < callCount) {
        const { statusCode, body } = await client.send('PutRecords', bodies[nextCall++ % bodies.length]);
        if (statusCode !== 200) throw new Error(`PutRecords answered ${statusCode}: ${body.toString()}`);
      }
    }),
  );
  marks.writeEnd = Date.now();
  const peakAfterWrite = peakRssMB(server.pid);
  const readStartedAt = performance.now();
  const snapshotMs = Number(process.env.PROBE_SNAPSHOT_MS ?? 0);
  if (snapshotMs > 0) setTimeout(() => process.kill(server.pid, 'SIGUSR2'), snapshotMs);
  let read = 0;
  await Promise.all(
    shardIds.map(async (shardId) => {
      let iterator = await shardIterator(client, { streamName, shardId, type: 'TRIM_HORIZON' });
      while (iterator) {
        const request = Buffer.from(`{"ShardIterator":"${iterator}","Limit":10000}`);
        const { statusCode, body } = await client.send('GetRecords', request);
        if (statusCode !== 200) throw new Error(`GetRecords answered ${statusCode}: ${body.toString()}`);
        const count = recordCount(body);
        read += count;
        iterator = stringField(body, 'NextShardIterator');
        if (count === 0) break;
      }
    }),
  );
  marks.readEnd = Date.now();
  const seconds = (performance.now() - readStartedAt) / 1000;
  console.log(
    `${callCount * 500} records written in ${((marks.writeEnd - marks.writeStart) / 1000).toFixed(1)} s, ` +
      `${read} read back in ${seconds.toFixed(1)} s; ` +
      `VmHWM ${Math.round(peakAfterWrite)} MB after the write, ${Math.round(peakRssMB(server.pid))} MB after the read`,
  );
} finally {
  await client.close();
  await server.stop();
}
const samples = readFileSync(samplesFile, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
for (const line of samples.filter((sample) => sample.snapshot)) console.log(`heap snapshot: ${line.snapshot}`);
for (const [phase, from, to] of [
  ['write', marks.writeStart, marks.writeEnd],
  ['read', marks.writeEnd, marks.readEnd],
]) {
  const window = samples.filter((sample) => sample.rss && sample.t >= from && sample.t <= to);
  if (window.length === 0) continue;
  const peak = window.reduce((best, sample) => (sample.rss > best.rss ? sample : best));
  const max = (field) => megabytes(Math.max(...window.map((sample) => sample[field])));
  console.log(
    `${phase}: peaks RSS ${max('rss')}, heapTotal ${max('heapTotal')}, arrayBuffers ${max('arrayBuffers')} MB; ` +
      `at the RSS peak: heap ${megabytes(peak.heapTotal)} (new space ${peak.spaces.new_space}, old ${peak.spaces.old_space}), ` +
      `arrayBuffers ${megabytes(peak.arrayBuffers)}, file-backed ${megabytes(peak.rssFile)}, ` +
      `rest of anonymous ${megabytes(peak.rssAnon - peak.heapTotal - peak.arrayBuffers)} MB (heapTotal counts reserved pages: can be < 0)`,
  );
}
if (!process.env.PROBE_SNAPSHOT_MS) removeDirectory(sampleDirectory);
