/**
 * Closed-loop load: `callers` concurrent loops, each sending its next request as soon as the last
 * one is answered. A warm-up (not measured) lets the JIT and the server settle; then `windows`
 * measurement windows of `durationMs` follow back to back — the repetitions — so the load never
 * pauses between them. A request is counted in the window in which its answer arrived. The server's
 * CPU time, the load generator's and the whole machine's are sampled at every window edge, so CPU
 * per record covers exactly the records counted, and other load on the machine is visible.
 */
import { performance } from 'node:perf_hooks';
import { cpuSeconds, machineBusySeconds } from './proc.mjs';
import { LatencySamples } from './stats.mjs';

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** After this many failures in a row the server is considered broken and the load stops. */
const consecutiveFailuresMax = 200;

function newWindow() {
  return { requests: 0, records: 0, failedRecords: 0, errors: 0, firstError: null, latencies: new LatencySamples() };
}

/** CPU clocks at one instant: the server's, this process's, the whole machine's. */
export function cpuSample(serverPid) {
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    server: serverPid ? cpuSeconds(serverPid) : null,
    loadGenerator: (own.user + own.system) / 1e6,
    machine: machineBusySeconds(),
  };
}

/** CPU used between two samples: by the server, by the load generator, and by every other process (in cores). */
export function cpuBetween(start, end) {
  const seconds = (end.at - start.at) / 1000;
  const serverCpuSeconds = start.server === null || end.server === null ? null : end.server - start.server;
  const loadGeneratorCpuSeconds = end.loadGenerator - start.loadGenerator;
  const machineBusy = start.machine === null || end.machine === null ? null : end.machine - start.machine;
  return {
    seconds,
    serverCpuSeconds,
    loadGeneratorCpuSeconds,
    // Cores kept busy by everything else on the machine (other tenants, builds, tests) meanwhile.
    otherCores:
      machineBusy === null || serverCpuSeconds === null
        ? null
        : Math.max(0, machineBusy - serverCpuSeconds - loadGeneratorCpuSeconds) / seconds,
  };
}

function windowResult(window, start, end) {
  const cpu = cpuBetween(start, end);
  const seconds = cpu.seconds;
  return {
    seconds,
    requests: window.requests,
    records: window.records,
    failedRecords: window.failedRecords,
    errors: window.errors,
    firstError: window.firstError,
    requestsPerSecond: window.requests / seconds,
    recordsPerSecond: window.records / seconds,
    serverCpuSeconds: cpu.serverCpuSeconds,
    loadGeneratorCpuSeconds: cpu.loadGeneratorCpuSeconds,
    otherCores: cpu.otherCores,
    ...window.latencies.percentiles(),
  };
}

/**
 * @param {object} options
 * @param {number} options.callers
 * @param {number} options.warmupMs
 * @param {number} options.durationMs  length of each window
 * @param {number} options.windows  how many windows (repetitions)
 * @param {number} [options.serverPid]  sampled for CPU seconds
 * @param {number} [options.completionsPerCallerMin]  stretch a window until this many calls per caller completed in it…
 * @param {number} [options.windowStretchMax]  …but to at most this multiple of durationMs
 * @param {(callerIndex: number, iteration: number) => Promise<{records: number, failed: number, error?: string}>} options.send
 * @returns {Promise<object[]>} one result per window
 */
export async function closedLoop(options) {
  let current = null;
  let stopped = false;
  let consecutiveFailures = 0;

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
      consecutiveFailures = result.error ? consecutiveFailures + 1 : 0;
      if (consecutiveFailures >= consecutiveFailuresMax) stopped = true;
      const window = current;
      if (window === null) continue;
      window.requests++;
      window.records += result.records;
      window.failedRecords += result.failed;
      if (result.error) {
        window.errors++;
        window.firstError ??= result.error;
      } else {
        window.latencies.add(answeredAt - sentAt);
      }
    }
  };

  const loops = Array.from({ length: options.callers }, (_, index) => caller(index));
  const results = [];
  try {
    await sleep(options.warmupMs);
    let start = cpuSample(options.serverPid);
    for (let index = 0; index < options.windows && !stopped; index++) {
      const window = newWindow();
      current = window;
      await sleep(options.durationMs);
      // A slow system gets a longer window (bounded) so that it holds enough completed calls to count.
      const requestsMin = options.callers * (options.completionsPerCallerMin ?? 0);
      const endMax = start.at + options.durationMs * (options.windowStretchMax ?? 1);
      while (window.requests < requestsMin && !stopped && performance.now() < endMax) await sleep(20);
      // Synchronous from here to the next window's start, so no answer falls between two windows.
      const end = cpuSample(options.serverPid);
      results.push(windowResult(window, start, end));
      start = end;
    }
  } finally {
    stopped = true;
    current = null;
    await Promise.all(loops);
  }
  return results;
}
