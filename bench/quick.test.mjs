// Smoke test of the benchmark harness (not a timed assertion): a BENCH_QUICK run against Tributary
// and the null server finishes, kills its servers and writes a well-formed result.
// Run: npm run build && node --test bench/quick.test.mjs
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const runScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'run.mjs');

test('a quick benchmark run measures Tributary and the null server and writes its result', () => {
  const outputDirectory = mkdtempSync(path.join(os.tmpdir(), 'bench-quick-test-'));
  try {
    const result = spawnSync(process.execPath, [runScript], {
      env: {
        ...process.env,
        BENCH_QUICK: '1',
        BENCH_SYSTEMS: 'tributary-fsync,null',
        BENCH_SCENARIOS: 'put-records,put-record,latency,drain',
        BENCH_OUTPUT_DIR: outputDirectory,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(readFileSync(path.join(outputDirectory, 'quick.json.tmp'), 'utf8'));
    const tributary = json.systems['tributary-fsync'];
    assert.ok(tributary.putRecords.recordsPerSecond.median > 0);
    assert.ok(tributary.putRecord[32].requestsPerSecond.median > 0);
    assert.ok(tributary.drain.complete);
    assert.equal(tributary.latency.lost, 0);
    assert.ok(json.systems.null.putRecords.recordsPerSecond.median > 0);
    assert.ok(json.ratios['tributary-fsync'].putRecordsRecordsPerSecond.null > 0);
    assert.match(readFileSync(path.join(outputDirectory, 'quick.md.tmp'), 'utf8'), /## Targets/);
  } finally {
    rmSync(outputDirectory, { recursive: true, force: true });
  }
});
