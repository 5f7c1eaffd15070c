/**
 * Scenario 1: PutRecords, 500 records of 1 KiB per call, 8 concurrent callers, a 4-shard stream.
 * Also where server CPU seconds per record and peak RSS are taken (scenario 5).
 */
import { failedRecordCount, KinesisClient } from '../lib/kinesis-client.mjs';
import { closedLoop } from '../lib/load.mjs';
import { peakRssMB, resetPeakRss } from '../lib/proc.mjs';

export async function putRecordsScenario(server, options) {
  const client = new KinesisClient(server.url, { connections: options.callers });
  const peakReset = resetPeakRss(server.pid);
  try {
    const runs = await closedLoop({
      ...options.timing,
      windows: options.repetitions,
      callers: options.callers,
      serverPid: server.pid,
      send: async (callerIndex, iteration) => {
        const body = options.bodies[(callerIndex * 7919 + iteration) % options.bodies.length];
        const { statusCode, body: answer } = await client.send('PutRecords', body);
        if (statusCode !== 200) {
          return {
            records: 0,
            failed: options.recordsPerCall,
            error: `${statusCode} ${answer.toString('utf8', 0, 200)}`,
          };
        }
        const failed = failedRecordCount(answer) ?? options.recordsPerCall;
        return { records: options.recordsPerCall - failed, failed };
      },
    });
    for (const run of runs) {
      run.megabytesPerSecond = (run.recordsPerSecond * options.recordBytes) / 1e6;
      run.cpuSecondsPerRecord =
        run.serverCpuSeconds === null || run.records === 0 ? null : run.serverCpuSeconds / run.records;
    }
    return { runs, peakRssMB: peakRssMB(server.pid), peakRssSince: peakReset ? 'scenario start' : 'server start' };
  } finally {
    await client.close();
  }
}
