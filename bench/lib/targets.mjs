/**
 * The targets of issue 3 that a benchmark run can judge, each marked "met" or "missed by ×F", where
 * F is how far the median is from the bound (required ÷ measured for "at least" targets, measured ÷
 * bound for "at most" ones). A target whose measurement did not run says so.
 */

import { median } from './stats.mjs';

const format = (value, digits = 2) => (value === null || value === undefined ? 'n/a' : Number(value).toFixed(digits));

function atLeast(target, required, measured, describe) {
  if (measured === null || measured === undefined) {
    return { target, required: `≥ ${required}×`, measured: 'not measured', result: 'not measured', met: null };
  }
  const met = measured >= required;
  return {
    target,
    required: `≥ ${required}×`,
    measured: describe ?? `${format(measured)}×`,
    measuredValue: measured,
    result: met ? 'met' : `missed by ×${format(required / measured)}`,
    met,
    factor: met ? null : required / measured,
  };
}

function atMost(target, bound, unit, measured, note = '') {
  // The issue writes the memory bound as "< 300 MB" and the latency ones as "≤".
  const comparison = unit === 'MB' ? '<' : '≤';
  if (measured === null || measured === undefined) {
    return {
      target,
      required: `${comparison} ${bound} ${unit}`,
      measured: 'not measured',
      result: 'not measured',
      met: null,
    };
  }
  const met = unit === 'MB' ? measured < bound : measured <= bound;
  return {
    target,
    required: `${comparison} ${bound} ${unit}`,
    measured: `${format(measured, unit === 'ms' ? 2 : 0)} ${unit}${note}`,
    measuredValue: measured,
    result: met ? 'met' : `missed by ×${format(measured / bound)}`,
    met,
    factor: met ? null : measured / bound,
  };
}

export function targetRows(json) {
  const fsync = json.ratios['tributary-fsync'] ?? {};
  const tributary = json.systems['tributary-fsync'];
  const volume = json.volume;
  const volumeNote = volume && volume.gigabytes < 4.95 ? ` (at ${format(volume.gigabytes, 1)} GB, not 5)` : '';
  const restartMs = volume ? median(volume.restarts.map((run) => run.servingMs)) : null;
  return [
    atLeast('PutRecords (fsync) ÷ null server', 0.6, fsync.putRecordsRecordsPerSecond?.null),
    atLeast('PutRecords (fsync) ÷ kinesalite', 5, fsync.putRecordsRecordsPerSecond?.kinesalite),
    atLeast('PutRecord ×32 callers (fsync) ÷ null server', 0.6, fsync.putRecord32RequestsPerSecond?.null),
    atMost('PutRecord ×1 caller (fsync) p99', 2, 'ms', tributary?.putRecord?.[1]?.p99Ms?.median),
    atLeast('GetRecords drain ÷ kinesalite', 10, fsync.getRecordsDrainRecordsPerSecond?.kinesalite),
    atMost('Peak RSS writing then reading 5 GB', 300, 'MB', volume?.peakRssMB, volumeNote),
    atMost('Restart with 5 GB: serving again', 5000, 'ms', restartMs, volumeNote),
  ];
}
