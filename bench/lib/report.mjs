/**
 * Turns raw runs into the result: medians and ranges per measure, ratios between systems, the
 * issue's targets marked met or missed, as JSON and as Markdown. Written atomically (temp + rename).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ratio, summarize } from './stats.mjs';
import { targetRows } from './targets.mjs';

const defaultOutputDirectory = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'results');

const pick = (runs, field) => summarize(runs.map((run) => run[field]));
const total = (runs, field) => runs.reduce((sum, run) => sum + (run[field] ?? 0), 0);

function loadSummary(scenario, extra = {}) {
  const { runs } = scenario;
  return {
    requestsPerSecond: pick(runs, 'requestsPerSecond'),
    recordsPerSecond: pick(runs, 'recordsPerSecond'),
    p50Ms: pick(runs, 'p50Ms'),
    p99Ms: pick(runs, 'p99Ms'),
    maxMs: pick(runs, 'maxMs'),
    otherCores: pick(runs, 'otherCores'),
    loadGeneratorCores: summarize(runs.map((run) => run.loadGeneratorCpuSeconds / run.seconds)),
    serverCores: summarize(
      runs.map((run) => (run.serverCpuSeconds === null ? null : run.serverCpuSeconds / run.seconds)),
    ),
    errors: total(runs, 'errors'),
    failedRecords: total(runs, 'failedRecords'),
    firstError: runs.find((run) => run.firstError)?.firstError ?? null,
    ...extra,
    runs,
  };
}

function summarizeSystem(result) {
  const summary = { label: result.label, version: result.version, stores: result.stores };
  if (result.putRecords) {
    summary.putRecords = loadSummary(result.putRecords, {
      megabytesPerSecond: pick(result.putRecords.runs, 'megabytesPerSecond'),
      cpuMicrosecondsPerRecord: summarize(
        result.putRecords.runs.map((run) => (run.cpuSecondsPerRecord === null ? null : run.cpuSecondsPerRecord * 1e6)),
      ),
      peakRssMB: result.putRecords.peakRssMB,
      peakRssSince: result.putRecords.peakRssSince,
    });
  }
  if (result.sdkPutRecords) {
    summary.sdkPutRecords = loadSummary(result.sdkPutRecords, {
      megabytesPerSecond: pick(result.sdkPutRecords.runs, 'megabytesPerSecond'),
    });
  }
  if (result.putRecord) {
    summary.putRecord = Object.fromEntries(
      Object.entries(result.putRecord).map(([callers, scenario]) => [callers, loadSummary(scenario)]),
    );
  }
  if (result.latency) {
    const { runs } = result.latency;
    summary.latency = {
      p50Ms: pick(runs, 'p50Ms'),
      p99Ms: pick(runs, 'p99Ms'),
      maxMs: pick(runs, 'maxMs'),
      acknowledgedP50Ms: pick(runs, 'acknowledgedP50Ms'),
      acknowledgedP99Ms: pick(runs, 'acknowledgedP99Ms'),
      records: total(runs, 'records'),
      lost: total(runs, 'lost'),
      putErrors: total(runs, 'putErrors'),
      runs,
    };
  }
  if (result.drain) {
    const { runs } = result.drain;
    summary.drain = {
      recordCount: result.drain.recordCount,
      recordCountWanted: result.drain.recordCountWanted,
      fillComplete: result.drain.fillComplete,
      recordsPerSecond: pick(runs, 'recordsPerSecond'),
      cpuMicrosecondsPerRecord: summarize(
        runs.map((run) =>
          run.serverCpuSeconds === null || run.records === 0 ? null : (run.serverCpuSeconds / run.records) * 1e6,
        ),
      ),
      loadGeneratorCores: summarize(runs.map((run) => run.loadGeneratorCpuSeconds / run.seconds)),
      otherCores: pick(runs, 'otherCores'),
      complete: runs.every((run) => run.complete),
      fillRecordsPerSecond: result.drain.fillRecordsPerSecond,
      runs,
    };
  }
  summary.sessionPeakRssMB = result.sessionPeakRssMB ?? null;
  return summary;
}

const median = (value) => value?.median ?? null;

function ratios(systems) {
  const measures = {
    putRecordsRecordsPerSecond: (system) => median(system?.putRecords?.recordsPerSecond),
    putRecord1RequestsPerSecond: (system) => median(system?.putRecord?.[1]?.requestsPerSecond),
    putRecord32RequestsPerSecond: (system) => median(system?.putRecord?.[32]?.requestsPerSecond),
    getRecordsDrainRecordsPerSecond: (system) => median(system?.drain?.recordsPerSecond),
  };
  const result = {};
  for (const subject of ['tributary-fsync', 'tributary-os']) {
    if (!systems[subject]) continue;
    result[subject] = {};
    for (const [measure, value] of Object.entries(measures)) {
      result[subject][measure] = {};
      for (const reference of ['null', 'kinesalite', 'kinesis-local']) {
        result[subject][measure][reference] = ratio(value(systems[subject]), value(systems[reference]));
      }
    }
  }
  return result;
}

export function buildReport({ config, machine, systems: rawSystems, volume, elapsedSeconds }) {
  const systems = Object.fromEntries(Object.entries(rawSystems).map(([key, result]) => [key, summarizeSystem(result)]));
  const json = {
    generatedAt: new Date().toISOString(),
    elapsedSeconds,
    machine,
    settings: {
      quick: config.quick,
      repetitions: config.repetitions,
      windowSeconds: config.durationMs / 1000,
      warmupSeconds: config.warmupMs / 1000,
      recordsPerCall: config.recordsPerCall,
      putRecordsRecordBytes: config.putRecordsRecordBytes,
      putRecordRecordBytes: config.putRecordRecordBytes,
      putRecordsCallers: config.putRecordsCallers,
      putRecordsShardCount: config.putRecordsShardCount,
      putRecordCallers: config.putRecordCallers,
      drainRecords: config.drainRecords,
      latencyRatePerSecond: config.latencyRatePerSecond,
      latencyPollIntervalMs: config.latencyPollIntervalMs,
      volumeGigabytes: config.volumeGigabytes,
      systems: config.systems,
      scenarios: config.scenarios,
      seed: config.seed,
    },
    systems,
    volume,
    ratios: ratios(systems),
  };
  json.targets = targetRows(json);
  return { json, markdown: renderMarkdown(json) };
}

export function writeReport(report, config) {
  const directory = config.outputDirectory ?? defaultOutputDirectory;
  mkdirSync(directory, { recursive: true });
  // Quick and partial runs write scratch files (*.tmp, ignored by git): a smoke test never replaces latest.*.
  const suffix = config.outputScratch ? '.tmp' : '';
  const files = [
    [path.join(directory, `${config.outputName}.json${suffix}`), `${JSON.stringify(report.json, null, 2)}\n`],
    [path.join(directory, `${config.outputName}.md${suffix}`), `${report.markdown}\n`],
  ];
  for (const [file, content] of files) {
    writeFileSync(`${file}.writing.tmp`, content);
    renameSync(`${file}.writing.tmp`, file);
  }
  return files.map(([file]) => path.relative(process.cwd(), file));
}

// ---- Markdown ----

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatNumber(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return integer.format(value);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** "median [min–max]" (just the median when the range is a single run). */
function cell(summary) {
  if (!summary) return '—';
  if (summary.runs.length === 1 || summary.min === summary.max) return formatNumber(summary.median);
  return `${formatNumber(summary.median)} [${formatNumber(summary.min)}–${formatNumber(summary.max)}]`;
}

function times(value) {
  return value === null || value === undefined ? '—' : `${formatNumber(value)}×`;
}

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function machineLines(machine, json) {
  const disk = machine.disk;
  return [
    `- **Machine:** ${machine.nproc} × ${machine.cpuModel} (nproc ${machine.nproc}), ${machine.memoryGiB.toFixed(1)} GiB RAM, ` +
      `${machine.os}, Linux ${machine.kernel}, Node ${machine.node}.`,
    `- **Disk:** data directories under \`${disk.directory}\` on ${disk.source ?? 'unknown'} (${disk.fileSystem ?? '?'}` +
      `${disk.sizeGiB ? `, ${disk.sizeGiB.toFixed(0)} GiB` : ''}${disk.rotational === null ? '' : disk.rotational ? ', reported rotational' : ', non-rotational'}); ` +
      `a 1 KiB append + fdatasync takes p50 ${formatNumber(machine.fdatasync.p50Ms)} ms, p99 ${formatNumber(machine.fdatasync.p99Ms)} ms ` +
      `(${machine.fdatasync.appends} appends, measured at start).`,
    `- **Load average at start:** ${machine.loadAverageAtStart.map((value) => value.toFixed(2)).join(', ')} ` +
      '(the load generator shares the 2 cores with the server; the "other load" column is CPU used by unrelated processes during the measurement).',
    `- **Settings:** ${json.settings.repetitions} repetition${json.settings.repetitions === 1 ? '' : 's'} × ${json.settings.windowSeconds} s windows after ${json.settings.warmupSeconds} s warm-up` +
      `${json.settings.quick ? ' (**BENCH_QUICK: smoke-test sizes, not comparable**)' : ''}; seed ${json.settings.seed}; ` +
      `the whole run took ${formatNumber(json.elapsedSeconds)} s.`,
  ];
}

function writesTable(json) {
  const rows = Object.values(json.systems).map((system) => {
    const putRecords = system.putRecords;
    const one = system.putRecord?.[1];
    const many = system.putRecord?.[32];
    return [
      `${system.label}`,
      cell(putRecords?.recordsPerSecond),
      cell(putRecords?.megabytesPerSecond),
      cell(putRecords?.cpuMicrosecondsPerRecord),
      formatNumber(putRecords?.peakRssMB),
      cell(one?.requestsPerSecond),
      cell(one?.p50Ms),
      cell(one?.p99Ms),
      cell(many?.requestsPerSecond),
      cell(many?.p50Ms),
      cell(many?.p99Ms),
      cell(putRecords?.otherCores),
    ];
  });
  return table(
    [
      'system',
      'PutRecords records/s',
      'MB/s',
      'server CPU µs/record',
      'peak RSS MB',
      'PutRecord ×1 req/s',
      '×1 p50 ms',
      '×1 p99 ms',
      'PutRecord ×32 req/s',
      '×32 p50 ms',
      '×32 p99 ms',
      'other load (cores)',
    ],
    rows,
  );
}

function drainCountCell(drain) {
  const notes = [];
  if (drain.fillComplete === false)
    notes.push(`fill stopped by its time bound, of ${integer.format(drain.recordCountWanted)} wanted`);
  if (!drain.complete) notes.push('some drains stopped by their time bound');
  return `${integer.format(drain.recordCount)}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

function readsTable(json) {
  const rows = Object.values(json.systems)
    .filter((system) => system.stores)
    .map((system) => [
      system.label,
      system.drain ? drainCountCell(system.drain) : '—',
      cell(system.drain?.recordsPerSecond),
      cell(system.drain?.cpuMicrosecondsPerRecord),
      cell(system.drain?.loadGeneratorCores),
      cell(system.drain?.otherCores),
      cell(system.latency?.p50Ms),
      cell(system.latency?.p99Ms),
      cell(system.latency?.maxMs),
      cell(system.latency?.acknowledgedP50Ms),
      system.latency ? `${system.latency.lost} of ${system.latency.records}` : '—',
      formatNumber(system.sessionPeakRssMB),
    ]);
  return table(
    [
      'system',
      'drained records (1 shard)',
      'GetRecords drain records/s',
      'drain server CPU µs/record',
      'drain load-generator cores',
      'drain other load (cores)',
      'put→read p50 ms',
      'put→read p99 ms',
      'put→read max ms',
      'PutRecord ack p50 ms (same run)',
      'records never read',
      'peak RSS whole session MB',
    ],
    rows,
  );
}

function ratiosTable(json) {
  const names = {
    putRecordsRecordsPerSecond: 'PutRecords records/s',
    putRecord1RequestsPerSecond: 'PutRecord ×1 req/s',
    putRecord32RequestsPerSecond: 'PutRecord ×32 req/s',
    getRecordsDrainRecordsPerSecond: 'GetRecords drain records/s',
  };
  const rows = [];
  for (const [subject, measures] of Object.entries(json.ratios)) {
    for (const [measure, references] of Object.entries(measures)) {
      rows.push([
        `${json.systems[subject].label}: ${names[measure]}`,
        times(references.null),
        times(references.kinesalite),
        times(references['kinesis-local']),
      ]);
    }
  }
  return table(['measure (medians)', '÷ null server', '÷ kinesalite', '÷ kinesis-local'], rows);
}

function targetsTable(json) {
  return table(
    ['target (issue 3)', 'required', 'measured', 'result'],
    json.targets.map((row) => [row.target, row.required, row.measured, row.result]),
  );
}

function errorLines(json) {
  const lines = [];
  for (const system of Object.values(json.systems)) {
    const scenarios = [
      ['PutRecords', system.putRecords],
      ['PutRecord ×1', system.putRecord?.[1]],
      ['PutRecord ×32', system.putRecord?.[32]],
      ['SDK PutRecords', system.sdkPutRecords],
    ];
    for (const [name, scenario] of scenarios) {
      if (scenario && (scenario.errors > 0 || scenario.failedRecords > 0)) {
        lines.push(
          `- ${system.label} ${name}: ${scenario.errors} failed calls, ${scenario.failedRecords} failed records` +
            `${scenario.firstError ? ` (first: \`${scenario.firstError.slice(0, 160)}\`)` : ''}.`,
        );
      }
    }
  }
  return lines.length > 0 ? ['', '**Errors during the run** (not counted as throughput):', '', ...lines] : [];
}

function sdkSection(json) {
  const sdk = json.systems['tributary-fsync']?.sdkPutRecords;
  if (!sdk) return [];
  const raw = json.systems['tributary-fsync'].putRecords;
  return [
    '',
    '## PutRecords through the AWS SDK (for the record)',
    '',
    'Scenario 1 against Tributary (fsync) with `@aws-sdk/client-kinesis` (default HTTP/2 handler, its own ' +
      'serialization and signing) instead of the raw client, 8 callers:',
    '',
    table(
      ['client', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'load-generator cores', 'server cores'],
      [
        [
          'AWS SDK v3',
          cell(sdk.recordsPerSecond),
          cell(sdk.megabytesPerSecond),
          cell(sdk.p50Ms),
          cell(sdk.p99Ms),
          cell(sdk.loadGeneratorCores),
          cell(sdk.serverCores),
        ],
        [
          'raw (undici)',
          cell(raw.recordsPerSecond),
          cell(raw.megabytesPerSecond),
          cell(raw.p50Ms),
          cell(raw.p99Ms),
          cell(raw.loadGeneratorCores),
          cell(raw.serverCores),
        ],
      ],
    ),
  ];
}

function volumeSection(json) {
  const volume = json.volume;
  if (!volume) return [];
  const restarts = summarize(volume.restarts.map((run) => run.servingMs));
  const listening = summarize(volume.restarts.map((run) => run.listeningMs));
  return [
    '',
    `## ${formatNumber(volume.gigabytes)} GB written and read back, then restarts (Tributary, fsync)`,
    '',
    table(
      [
        'records written',
        'write records/s',
        'records read',
        'read records/s',
        'peak RSS after write MB',
        'peak RSS write + read MB',
        'restart: listening ms',
        'restart: serving GetRecords ms',
      ],
      [
        [
          integer.format(volume.recordsWritten),
          formatNumber(volume.writeRecordsPerSecond),
          integer.format(volume.recordsRead),
          formatNumber(volume.readRecordsPerSecond),
          formatNumber(volume.peakRssAfterWriteMB),
          formatNumber(volume.peakRssMB),
          cell(listening),
          cell(restarts),
        ],
      ],
    ),
    '',
    'The write is PutRecords (500 × 1 KiB, 8 callers) to a 4-shard stream; the read is one GetRecords loop per shard ' +
      '(4 at once, Limit 10000). Restarts follow a SIGKILL (no clean shutdown) on the same data directory; "serving" is ' +
      'the first GetRecords answered with a record.',
  ];
}

export function renderMarkdown(json) {
  return [
    `# Tributary benchmark — ${json.generatedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    ...machineLines(json.machine, json),
    '',
    'Every cell is the median over the repetitions with [min–max] after it. MB = 10^6 bytes of record data (PutRecords) ' +
      'or of resident memory (RSS, from VmHWM). Raw load generator: undici, keep-alive, pre-built JSON 1.1 bodies.',
    '',
    '## Targets',
    '',
    targetsTable(json),
    // A run restricted by BENCH_SYSTEMS / BENCH_SCENARIOS leaves out the sections it did not measure.
    ...(Object.keys(json.systems).length > 0 ? systemSections(json) : []),
    ...sdkSection(json),
    ...volumeSection(json),
  ].join('\n');
}

function systemSections(json) {
  const drains = json.settings.drainRecords;
  return [
    '',
    '## Writes',
    '',
    `Scenario 1: PutRecords, ${json.settings.recordsPerCall} × ${json.settings.putRecordsRecordBytes} B records per call, ` +
      `${json.settings.putRecordsCallers} concurrent callers, ${json.settings.putRecordsShardCount}-shard stream (server CPU and peak RSS are taken here). ` +
      `Scenario 2: PutRecord, ${json.settings.putRecordRecordBytes} B, 1 and 32 concurrent callers.`,
    '',
    writesTable(json),
    ...errorLines(json),
    '',
    '## Reads',
    '',
    `Scenario 3: GetRecords with Limit 10000 draining one shard from TRIM_HORIZON (N = ${integer.format(drains.tributary)} for Tributary; ` +
      `the peers are slower to fill and drain, so kinesalite drains ${integer.format(drains.kinesalite)} and kinesis-local ` +
      `${integer.format(drains['kinesis-local'])} records to keep the run within its time budget; not applicable to the null server). ` +
      `Scenario 4: one producer sends PutRecord (${json.settings.putRecordRecordBytes} B) at ${json.settings.latencyRatePerSecond}/s while one consumer polls GetRecords ` +
      `${json.settings.latencyPollIntervalMs > 0 ? `every ${json.settings.latencyPollIntervalMs} ms` : 'back to back'}; latency = consumer saw it − put sent.`,
    '',
    readsTable(json),
    '',
    '## Ratios',
    '',
    ratiosTable(json),
  ];
}
