/**
 * Scenario 6 (Tributary, durability fsync): the memory and restart targets. Writes `gigabytes` of
 * 1 KiB records to a 4-shard stream (PutRecords, 500 per call, 8 callers), reads every record back
 * (one GetRecords loop per shard), and takes the peak RSS over both phases. Then kills the server
 * (SIGKILL, so nothing is closed cleanly) and times the restart on the same data until it serves
 * GetRecords again; repeated for each repetition.
 */
import { performance } from 'node:perf_hooks';
import { removeDirectory } from '../lib/children.mjs';
import { createActiveStream, KinesisCallError, KinesisClient, shardIterator } from '../lib/kinesis-client.mjs';
import { peakRssMB, resetPeakRss } from '../lib/proc.mjs';
import { recordCount, stringField } from '../lib/scan.mjs';

const streamName = 'bench-volume';
const shardCount = 4;

async function write(client, options, recordTarget) {
  const callCount = Math.ceil(recordTarget / options.recordsPerCall);
  let nextCall = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.writeSecondsMax * 1000;
  const caller = async () => {
    while (nextCall < callCount && performance.now() < deadline) {
      const body = options.bodies[nextCall++ % options.bodies.length];
      const { statusCode, body: answer } = await client.send('PutRecords', body);
      if (statusCode !== 200) throw new KinesisCallError('PutRecords', statusCode, answer);
      if (!/"FailedRecordCount"\s*:\s*0\b/.test(answer.toString('latin1', 0, 200))) {
        throw new Error(`PutRecords had failed records: ${answer.toString('utf8', 0, 300)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.callers }, caller));
  const records = Math.min(nextCall, callCount) * options.recordsPerCall;
  return { records, seconds: (performance.now() - startedAt) / 1000, complete: nextCall >= callCount };
}

async function readShard(client, shardId, deadline) {
  let iterator = await shardIterator(client, { streamName, shardId, type: 'TRIM_HORIZON' });
  let records = 0;
  while (iterator && performance.now() < deadline) {
    const { statusCode, body } = await client.send(
      'GetRecords',
      Buffer.from(`{"ShardIterator":"${iterator}","Limit":10000}`),
    );
    if (statusCode !== 200) throw new KinesisCallError('GetRecords', statusCode, body);
    const count = recordCount(body);
    records += count;
    iterator = stringField(body, 'NextShardIterator');
    if (count === 0) break;
  }
  return records;
}

async function timeRestart(server, options) {
  await server.stop('SIGKILL');
  const startedAt = performance.now();
  const restarted = await options.restart(server.dataDirectory);
  const listeningMs = performance.now() - startedAt;
  const client = new KinesisClient(restarted.url);
  try {
    // Serving again = a GetRecords on the recovered data answers with records.
    const iterator = await shardIterator(client, { streamName, shardId: options.shardIds[0], type: 'TRIM_HORIZON' });
    const { statusCode, body } = await client.send(
      'GetRecords',
      Buffer.from(`{"ShardIterator":"${iterator}","Limit":1}`),
    );
    if (statusCode !== 200 || recordCount(body) !== 1) throw new KinesisCallError('GetRecords', statusCode, body);
  } finally {
    await client.close();
  }
  return { server: restarted, run: { listeningMs, servingMs: performance.now() - startedAt } };
}

export async function volumeRestartScenario(startServer, options) {
  let server = await startServer();
  const client = new KinesisClient(server.url, { connections: options.callers });
  try {
    const shardIds = await createActiveStream(client, { streamName, shardCount });
    resetPeakRss(server.pid);
    const recordTarget = Math.ceil((options.gigabytes * 1e9) / options.recordBytes);
    const written = await write(client, options, recordTarget);
    const peakAfterWriteMB = peakRssMB(server.pid);
    const readStartedAt = performance.now();
    const readDeadline = readStartedAt + options.readSecondsMax * 1000;
    const readCounts = await Promise.all(shardIds.map((shardId) => readShard(client, shardId, readDeadline)));
    const read = readCounts.reduce((sum, count) => sum + count, 0);
    const readSeconds = (performance.now() - readStartedAt) / 1000;
    // VmHWM is the kernel's high-water mark since the reset: it covers both phases.
    const peakMB = peakRssMB(server.pid);
    const restarts = [];
    for (let repetition = 0; repetition < options.repetitions; repetition++) {
      const restarted = await timeRestart(server, { ...options, shardIds });
      server = restarted.server;
      restarts.push(restarted.run);
    }
    return {
      gigabytes: (written.records * options.recordBytes) / 1e9,
      recordsWritten: written.records,
      writeComplete: written.complete,
      writeRecordsPerSecond: written.records / written.seconds,
      recordsRead: read,
      readRecordsPerSecond: read / readSeconds,
      peakRssAfterWriteMB: peakAfterWriteMB,
      peakRssMB: peakMB,
      restarts,
    };
  } finally {
    await client.close();
    await server.stop();
    removeDirectory(server.dataDirectory);
  }
}
