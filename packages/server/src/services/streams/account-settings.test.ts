import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AccountSettings,
  commitmentActive,
  commitmentDescription,
  commitmentDurationMsMin,
  commitmentStatus,
  requestCommitment,
} from './account-settings.js';

const startMs = Date.UTC(2026, 0, 1);
const hourMs = 60 * 60 * 1000;
const enabled = requestCommitment({}, 'ENABLED', startMs);

describe('minimum throughput billing commitment', () => {
  test('a new account has none, and disabling it changes nothing', () => {
    assert.equal(commitmentStatus({}, startMs), 'DISABLED');
    assert.deepEqual(requestCommitment({}, 'DISABLED', startMs), {});
    assert.deepEqual(commitmentDescription({}, startMs), {
      Status: 'DISABLED',
      StartedAt: undefined,
      EndedAt: undefined,
      EarliestAllowedEndAt: undefined,
    });
  });

  test('lasts at least 24 hours from when it is enabled', () => {
    assert.equal(commitmentDurationMsMin, 24 * hourMs);
    assert.deepEqual(enabled, { commitment: { startedMs: startMs, earliestAllowedEndMs: startMs + 24 * hourMs } });
    assert.equal(commitmentStatus(enabled, startMs + 1000 * hourMs), 'ENABLED');
  });

  test('a disable requested early ends the commitment at the earliest allowed end', () => {
    const scheduled = requestCommitment(enabled, 'DISABLED', startMs + hourMs);
    assert.equal(commitmentStatus(scheduled, startMs + hourMs), 'ENABLED_UNTIL_EARLIEST_ALLOWED_END');
    assert.equal(commitmentActive(scheduled, startMs + 24 * hourMs - 1), true);
    assert.equal(commitmentStatus(scheduled, startMs + 24 * hourMs), 'DISABLED');
    assert.equal(commitmentActive(scheduled, startMs + 24 * hourMs), false);
    assert.deepEqual(commitmentDescription(scheduled, startMs + 25 * hourMs), {
      Status: 'DISABLED',
      StartedAt: new Date(startMs),
      EndedAt: new Date(startMs + 24 * hourMs),
      EarliestAllowedEndAt: new Date(startMs + 24 * hourMs),
    });
  });

  test('shows no EndedAt while the end is only scheduled', () => {
    const scheduled = requestCommitment(enabled, 'DISABLED', startMs + hourMs);
    assert.equal(commitmentDescription(scheduled, startMs + hourMs).EndedAt, undefined);
  });

  test('a disable requested after the earliest allowed end takes effect at once', () => {
    const ended = requestCommitment(enabled, 'DISABLED', startMs + 30 * hourMs);
    assert.equal(commitmentStatus(ended, startMs + 30 * hourMs), 'DISABLED');
    assert.deepEqual(commitmentDescription(ended, startMs + 30 * hourMs).EndedAt, new Date(startMs + 30 * hourMs));
  });

  test('enabling again before the scheduled end cancels it and keeps the period', () => {
    const scheduled = requestCommitment(enabled, 'DISABLED', startMs + hourMs);
    const resumed = requestCommitment(scheduled, 'ENABLED', startMs + 2 * hourMs);
    assert.deepEqual(resumed, enabled);
    assert.equal(commitmentStatus(resumed, startMs + 48 * hourMs), 'ENABLED');
  });

  test('enabling after the commitment ended starts a new 24-hour period', () => {
    const ended = requestCommitment(enabled, 'DISABLED', startMs + 30 * hourMs);
    const renewed: AccountSettings = requestCommitment(ended, 'ENABLED', startMs + 40 * hourMs);
    assert.deepEqual(renewed, {
      commitment: { startedMs: startMs + 40 * hourMs, earliestAllowedEndMs: startMs + 64 * hourMs },
    });
  });

  test('disabling twice keeps the first scheduled end', () => {
    const scheduled = requestCommitment(enabled, 'DISABLED', startMs + hourMs);
    assert.deepEqual(requestCommitment(scheduled, 'DISABLED', startMs + 2 * hourMs), scheduled);
  });
});
