/** The capacity options of `tributary serve`: throughput limits, throttle injection, on-demand scaling. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyOption, ConfigError, defaultConfig, loadEnvironment, type ServerConfig } from '../config.js';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');
const fresh = (): ServerConfig => ({ ...defaultConfig, streams: [] });

describe('capacity options', () => {
  test('default to no throughput limits, no injected throttling and AWS-sized on-demand scaling', () => {
    assert.deepEqual(
      [
        defaultConfig.throughputLimits,
        defaultConfig.injectThrottleRate,
        defaultConfig.onDemandSplitRecordsPerSecond,
        defaultConfig.onDemandSplitBytesPerSecond,
      ],
      ['off', 0, 1000, 1024 * 1024],
    );
  });
  test('read from flags and the environment', () => {
    const config = fresh();
    applyOption(config, 'throughputLimits', 'aws');
    applyOption(config, 'injectThrottleRate', '0.25');
    loadEnvironment({ TRIBUTARY_ON_DEMAND_WINDOW_MS: '5000', TRIBUTARY_ON_DEMAND_CHECK_INTERVAL_MS: '0' }, config);
    assert.deepEqual(
      [config.throughputLimits, config.injectThrottleRate, config.onDemandWindowMs, config.onDemandCheckIntervalMs],
      ['aws', 0.25, 5000, 0],
    );
  });
  test('refuse values outside their range', () => {
    const config = fresh();
    assert.throws(() => applyOption(config, 'throughputLimits', 'strict'), ConfigError);
    for (const rate of ['1.5', '-0.1', 'often', '']) {
      assert.throws(() => applyOption(config, 'injectThrottleRate', rate), /from 0\.0 to 1\.0/);
    }
    assert.throws(() => applyOption(config, 'onDemandSplitRecordsPerSecond', '0'), /between 1 and/);
  });
  test('a bad value stops `serve` with exit code 2 and a clear message', () => {
    const result = spawnSync(process.execPath, [cliPath, 'serve', '--throughput-limits', 'strict'], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--throughput-limits must be off or aws, got 'strict'/);
  });
});
