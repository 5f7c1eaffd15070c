/**
 * Scenario 3: GetRecords drain. A 1-shard stream is filled with `recordCount` 1 KiB records (500 per
 * PutRecords call), then read from TRIM_HORIZON with Limit 10000 until every record has come back;
 * each repetition reads the whole shard again with a fresh iterator.
 */
import { performance } from 'node:perf_hooks';
import { KinesisCallError, KinesisClient, shardIterator } from '../lib/kinesis-client.mjs';
import { cpuBetween, cpuSample } from '../lib/load.mjs';
import { recordCount, stringField } from '../lib/scan.mjs';

/** GetRecords' largest Limit (AWS API reference). */
export const getRecordsLimitMax = 10_000;

async function fill(client, options) {
  const callCount = Math.ceil(options.recordCount / options.recordsPerCall);
  let nextCall = 0;
  let failed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.fillSecondsMax * 1000;
  const caller = async () => {
    while (nextCall < callCount && performance.now() < deadline) {
      const body = options.bodies[nextCall++ % options.bodies.length];
      const { statusCode, body: answer } = await client.send('PutRecords', body);
      if (statusCode !== 200) throw new KinesisCallError('PutRecords', statusCode, answer);
      if (!/"FailedRecordCount"\s*:\s*0\b/.test(answer.toString('latin1', 0, 200))) failed++;
    }
  };
  await Promise.all(Array.from({ length: options.fillCallers }, caller));
  if (failed > 0) throw new Error(`${failed} PutRecords calls had failed records while filling the drain stream`);
  // A fill cut short by its time bound leaves fewer records; the drain then reads those.
  const written = Math.min(nextCall, callCount) * options.recordsPerCall;
  return {
    records: written,
    complete: nextCall >= callCount,
    recordsPerSecond: written / ((performance.now() - startedAt) / 1000),
  };
}

async function drainOnce(client, options) {
  let iterator = await shardIterator(client, {
    streamName: options.streamName,
    shardId: options.shardId,
    type: 'TRIM_HORIZON',
  });
  let received = 0;
  let calls = 0;
  const cpuAtStart = cpuSample(options.serverPid);
  const startedAt = cpuAtStart.at;
  const deadline = startedAt + options.drainSecondsMax * 1000;
  while (received < options.recordCount && iterator && performance.now() < deadline) {
    const { statusCode, body } = await client.send(
      'GetRecords',
      Buffer.from(`{"ShardIterator":"${iterator}","Limit":${getRecordsLimitMax}}`),
    );
    if (statusCode !== 200) throw new KinesisCallError('GetRecords', statusCode, body);
    calls++;
    received += recordCount(body);
    iterator = stringField(body, 'NextShardIterator');
  }
  const cpu = cpuBetween(cpuAtStart, cpuSample(options.serverPid));
  const seconds = cpu.seconds;
  return {
    serverCpuSeconds: cpu.serverCpuSeconds,
    loadGeneratorCpuSeconds: cpu.loadGeneratorCpuSeconds,
    otherCores: cpu.otherCores,
    records: received,
    calls,
    seconds,
    recordsPerSecond: received / seconds,
    complete: received >= options.recordCount,
  };
}

export async function drainScenario(server, options) {
  const client = new KinesisClient(server.url, { connections: options.fillCallers });
  try {
    // fillRecordCount 0: the shard was filled earlier (by another server process on the same data).
    const filled =
      options.fillRecordCount === 0
        ? { records: options.recordCount, complete: true, recordsPerSecond: null }
        : await fill(client, options);
    const runs = [];
    for (let repetition = 0; repetition < options.repetitions; repetition++) {
      runs.push(await drainOnce(client, { ...options, recordCount: filled.records, serverPid: server.pid }));
    }
    return {
      recordCount: filled.records,
      recordCountWanted: options.recordCount,
      fillComplete: filled.complete,
      fillRecordsPerSecond: filled.recordsPerSecond,
      runs,
    };
  } finally {
    await client.close();
  }
}
