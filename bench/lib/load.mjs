/**
 * Closed-loop load: `callers` concurrent loops, each sending its next request as soon as the last
 * one is answered. A warm-up (not measured) lets the JIT and the server settle; then the window
 * opens for `durationMs`. Requests answered inside the window are counted; the CPU of the server is
 * sampled at the window's edges, so CPU per record covers the same interval as the record count.
 */
import { performance } from 'node:perf_hooks';
import { cpuSeconds } from './proc.mjs';
import { LatencySamples } from './stats.mjs';

/** After this many failures in a row the server is considered broken and the run stops. */
const consecutiveFailuresMax = 200;

/**
 * @param {object} options
 * @param {number} options.callers
 * @param {number} options.warmupMs
 * @param {number} options.durationMs
 * @param {number} [options.serverPid]  sampled for CPU seconds
 * @param {(callerIndex: number, iteration: number) => Promise<{records: number, failed: number, error?: string}>} options.send
 */
export async function closedLoop(options) {
  const latencies = new LatencySamples();
  let measuring = false;
  let stopped = false;
  let windowStart = 0;
  let windowEnd = 0;
  let requests = 0;
  let records = 0;
  let failedRecords = 0;
  let errors = 0;
  let firstError = null;
  let consecutiveFailures = 0;
  let cpuAtStart = null;
  let cpuAtEnd = null;
  let loadCpuAtStart = null;

  const caller = async (callerIndex) => {
    for (let iteration = 0; !stopped; iteration++) {
      const sentAt = performance.now();
      let result;
      try {
        result = await options.send(callerIndex, iteration);
      } catch (error) {
        result = { records: 0, failed: 0, error: String(error?.message ?? error) };
      }
      const answeredAt = performance.now();
      if (result.error) {
        consecutiveFailures++;
        if (consecutiveFailures >= consecutiveFailuresMax) stopped = true;
      } else {
        consecutiveFailures = 0;
      }
      // Throughput counts completions inside the window (whenever they were sent), so the requests
      // in flight at either edge neither inflate nor deflate it.
      if (!measuring || answeredAt < windowStart || answeredAt > windowEnd) continue;
      requests++;
      records += result.records;
      failedRecords += result.failed;
      if (result.error) {
        errors++;
        firstError ??= result.error;
      } else {
        latencies.add(answeredAt - sentAt);
      }
    }
  };

  const warmup = new Promise((resolve) => setTimeout(resolve, options.warmupMs));
  const loops = Array.from({ length: options.callers }, (_, index) => caller(index));
  await warmup;
  measuring = true;
  windowStart = performance.now();
  windowEnd = Number.POSITIVE_INFINITY;
  cpuAtStart = options.serverPid ? cpuSeconds(options.serverPid) : null;
  loadCpuAtStart = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, options.durationMs));
  windowEnd = performance.now();
  cpuAtEnd = options.serverPid ? cpuSeconds(options.serverPid) : null;
  const loadUsage = process.cpuUsage(loadCpuAtStart);
  stopped = true;
  await Promise.all(loops);

  const seconds = (windowEnd - windowStart) / 1000;
  const serverCpuSeconds = cpuAtStart === null || cpuAtEnd === null ? null : cpuAtEnd - cpuAtStart;
  return {
    seconds,
    requests,
    records,
    failedRecords,
    errors,
    firstError,
    requestsPerSecond: requests / seconds,
    recordsPerSecond: records / seconds,
    serverCpuSeconds,
    loadGeneratorCpuSeconds: (loadUsage.user + loadUsage.system) / 1e6,
    ...latencies.percentiles(),
  };
}
