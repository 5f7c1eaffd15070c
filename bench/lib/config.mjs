/**
 * Benchmark settings, all overridable by environment variable. The defaults keep a full
 * `npm run bench` under 15 minutes on the 2-core reference machine; BENCH_QUICK=1 shrinks every
 * duration and count so the whole run takes seconds (for a smoke test), and writes its results to
 * scratch files instead of latest.md / latest.json.
 */

/** System keys for BENCH_SYSTEMS and scenario names for BENCH_SCENARIOS (default: all of each). */
export const allSystems = ['tributary-fsync', 'tributary-os', 'kinesalite', 'kinesis-local', 'null'];
export const allScenarios = ['put-records', 'sdk', 'put-record', 'latency', 'drain', 'volume', 'fanout', 'producer'];

function numberFromEnvironment(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

export function loadConfig() {
  const quick = process.env.BENCH_QUICK === '1';
  const seconds = numberFromEnvironment('BENCH_SECONDS', quick ? 0.3 : 5);
  const config = {
    quick,
    /** Measured window of each repetition of scenarios 1, 2 and 4. */
    durationMs: seconds * 1000,
    /** Not-measured lead-in before each scenario's repetitions (JIT, connections, caches). */
    warmupMs: numberFromEnvironment('BENCH_WARMUP_SECONDS', quick ? 0.1 : 1) * 1000,
    repetitions: Math.max(1, Math.round(numberFromEnvironment('BENCH_REPETITIONS', quick ? 1 : 3))),
    /**
     * Records per PutRecords call (the AWS maximum; 20 in quick mode, where kinesis-local would
     * otherwise spend seconds per call) and record sizes, from the issue.
     */
    recordsPerCall: quick ? 20 : 500,
    putRecordsRecordBytes: 1024,
    putRecordRecordBytes: 100,
    putRecordsCallers: 8,
    putRecordCallers: [1, 32],
    putRecordsShardCount: 4,
    /**
     * A window holds at least this many completed calls per caller, however long that takes (up to
     * windowStretchMax × the duration): kinesis-local needs ~10 s per 500-record call under load, and
     * a fixed 6 s window would often hold none.
     */
    completionsPerCallerMin: quick ? 0 : 1,
    windowStretchMax: 3,
    /** Scenario 3: records drained from one shard, per kind of system. */
    drainRecords: {
      tributary: Math.round(numberFromEnvironment('BENCH_DRAIN_RECORDS', quick ? 2_000 : 500_000)),
      kinesalite: Math.round(numberFromEnvironment('BENCH_DRAIN_RECORDS_KINESALITE', quick ? 500 : 20_000)),
      'kinesis-local': Math.round(numberFromEnvironment('BENCH_DRAIN_RECORDS_KINESIS_LOCAL', quick ? 100 : 2_000)),
    },
    drainFillCallers: 4,
    /**
     * Time bounds, so that a slow or starved system cannot push the run past its 15 minutes: the
     * fill stops there and the drain reads what was written; each drain stops there and reports the
     * records it got (the table marks both as partial).
     */
    drainFillSecondsMax: quick ? 10 : 30,
    drainSecondsMax: quick ? 10 : 20,
    /** Scenario 4: the producer's steady rate and the consumer's pause between polls (0 = back to back). */
    latencyRatePerSecond: numberFromEnvironment('BENCH_LATENCY_RATE', 100),
    latencyPollIntervalMs: numberFromEnvironment('BENCH_POLL_INTERVAL_MS', 0),
    /**
     * Scenario 7 (fan-out: Tributary SubscribeToShard, Redis Streams, kinesalite polling): records each
     * system delivers to its 10 consumers in the throughput part (kinesalite polls, so it gets fewer).
     */
    fanOutThroughputRecords: Math.round(numberFromEnvironment('BENCH_FANOUT_RECORDS', quick ? 2_000 : 50_000)),
    fanOutKinesaliteThroughputRecords: Math.round(
      numberFromEnvironment('BENCH_FANOUT_RECORDS_KINESALITE', quick ? 1_000 : 10_000),
    ),
    /**
     * Scenario 6 (Tributary fsync only): GB written then read back, and restarts timed; 0 skips it.
     * The targets speak of 5 GB, which takes about 5 minutes here on its own; the default
     * run uses 0.5 GB to stay within its 15 minutes, and docs/performance.md shows a 5 GB run
     * (BENCH_SCENARIOS=volume BENCH_VOLUME_GB=5 BENCH_OUTPUT_NAME=volume-5gb npm run bench).
     * Writing and reading are each bounded by volumeSecondsPerGigabyteMax × GB + 10 s.
     */
    volumeGigabytes: numberFromEnvironment('BENCH_VOLUME_GB', quick ? 0 : 0.5),
    volumeSecondsPerGigabyteMax: 70,
    /** Which systems and scenarios to run (comma-separated; see allSystems and allScenarios). */
    systems: (process.env.BENCH_SYSTEMS ?? allSystems.join(','))
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
    scenarios: (process.env.BENCH_SCENARIOS ?? allScenarios.join(','))
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    /**
     * Before each system starts, wait (at most this long) for the rest of the machine to fall below
     * quietOtherCoresMax busy cores, so that one system is not measured during someone else's build.
     */
    quietWaitSecondsMax: numberFromEnvironment('BENCH_QUIET_WAIT_SECONDS', quick ? 0 : 5),
    quietOtherCoresMax: 0.3,
    seed: numberFromEnvironment('BENCH_SEED', 20260101),
    outputDirectory: process.env.BENCH_OUTPUT_DIR ?? null,
  };
  // Only a full run replaces latest.md / latest.json. Quick and partial runs write scratch files
  // (*.tmp, ignored by git) unless BENCH_OUTPUT_NAME names them.
  const partial =
    config.scenarios.length < allScenarios.length || allSystems.some((key) => !config.systems.includes(key));
  const named = process.env.BENCH_OUTPUT_NAME;
  config.outputName = named ?? (quick ? 'quick' : partial ? 'partial' : 'latest');
  config.outputScratch = named === undefined && (quick || partial);
  const unknown = config.scenarios.filter((name) => !allScenarios.includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown BENCH_SCENARIOS entries: ${unknown.join(', ')} (known: ${allScenarios.join(', ')})`);
  return config;
}
