import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deaggregate, effectiveHashKey } from '../aggregation/index.js';
import { type BatchLimits, commitBatch, planBatch, type ShardQueue } from './batch.js';
import { backoffMs, classifyCallError, classifyRecordError, defaultRetryPolicy } from './retry.js';
import type { PendingRecord } from './types.js';

let sequence = 0;
function pending(
  partitionKey: string,
  options: { putAtMs?: number; notBeforeMs?: number; bytes?: number } = {},
): PendingRecord {
  const data = new Uint8Array(options.bytes ?? 10);
  return {
    sequence: ++sequence,
    record: { partitionKey, data },
    sizeBytes: data.length + partitionKey.length,
    hashKey: effectiveHashKey({ partitionKey, data }),
    putAtMs: options.putAtMs ?? 0,
    shardId: '',
    failures: 0,
    notBeforeMs: options.notBeforeMs ?? 0,
    resolve: () => {},
    reject: () => {},
    onAdmitted: undefined,
  };
}

function queue(shardId: string, records: PendingRecord[], backoffUntilMs = 0): ShardQueue {
  return { shardId, records, backoffUntilMs, throttleStreak: 0 };
}

const limits: BatchLimits = {
  recordsMax: 500,
  bytesMax: 5 * 1_048_576,
  lingerMs: 50,
  aggregateBytesMax: undefined,
  perKeyOrdering: false,
};
const context = { nowMs: 100, flushThroughSequence: 0, inFlightKeys: new Map<string, number>() };
const keysOf = (plan: ReturnType<typeof planBatch>) => plan.entries.map((entry) => entry.payload.partitionKey);

describe('planning a PutRecords batch', () => {
  test('skips a shard in throttling backoff and takes the others', () => {
    const hot = queue('hot', [pending('h1'), pending('h2')], 1_000);
    const cold = queue('cold', [pending('c1')]);
    const plan = planBatch([hot, cold], limits, context);
    assert.deepEqual(keysOf(plan), ['c1']);
    commitBatch(plan);
    assert.equal(hot.records.length, 2);
    assert.equal(cold.records.length, 0);
  });

  test('is due only once a record has lingered, or is being flushed', () => {
    const fresh = () => queue('s', [pending('a', { putAtMs: 90 })]);
    assert.equal(planBatch([fresh()], limits, context).due, false);
    assert.equal(planBatch([fresh()], limits, { ...context, nowMs: 140 }).due, true);
    const flushing = fresh();
    assert.equal(planBatch([flushing], limits, { ...context, flushThroughSequence: sequence }).due, true);
  });

  test('stops at the record count and the byte budget, and says it is full', () => {
    const many = queue(
      's',
      Array.from({ length: 600 }, (_, index) => pending(`k${index}`)),
    );
    const byCount = planBatch([many], limits, context);
    assert.equal(byCount.entries.length, 500);
    assert.ok(byCount.full);
    const big = queue(
      's',
      Array.from({ length: 8 }, (_, index) => pending(`b${index}`, { bytes: 1_000_000 })),
    );
    const bySize = planBatch([big], limits, context);
    assert.equal(bySize.entries.length, 5);
    assert.ok(bySize.full);
  });

  test('skips a record waiting for its retry, and with per-key ordering holds back its key', () => {
    const records = [pending('a', { notBeforeMs: 500 }), pending('a'), pending('b')];
    assert.deepEqual(keysOf(planBatch([queue('s', records)], limits, context)), ['a', 'b']);
    const perKey = { ...limits, perKeyOrdering: true };
    assert.deepEqual(keysOf(planBatch([queue('s', records)], perKey, context)), ['b']);
  });

  test('with per-key ordering, a key in flight waits, and a key goes at most once per batch', () => {
    const perKey = { ...limits, perKeyOrdering: true };
    const records = [pending('a'), pending('a'), pending('b'), pending('c')];
    assert.deepEqual(keysOf(planBatch([queue('s', records)], perKey, context)), ['a', 'b', 'c']);
    const inFlight = { ...context, inFlightKeys: new Map([['c', 1]]) };
    assert.deepEqual(keysOf(planBatch([queue('s', records)], perKey, inFlight)), ['a', 'b']);
  });

  test('with aggregation, packs a shard’s records into one aggregate, but a partial one waits for its linger time', () => {
    const aggregated = { ...limits, aggregateBytesMax: 1_048_576, perKeyOrdering: true };
    const records = Array.from({ length: 50 }, (_, index) => pending(`k${index % 5}`, { putAtMs: 0 }));
    const plan = planBatch([queue('s', records)], aggregated, context);
    assert.equal(plan.entries.length, 1);
    const entry = plan.entries[0];
    assert.ok(entry?.aggregated);
    assert.equal(deaggregate(entry.payload.data, entry.payload.partitionKey).length, 50);
    const notYet = planBatch(
      [queue('s', [pending('x', { putAtMs: 90 }), pending('y', { putAtMs: 90 })])],
      aggregated,
      context,
    );
    assert.equal(notYet.entries.length, 0);
  });

  test('with aggregation, full aggregates close at the record limit and the rest keeps its order', () => {
    const aggregated = { ...limits, aggregateBytesMax: 10_000 };
    const records = Array.from({ length: 30 }, (_, index) => pending(`k${index}`, { bytes: 1_000 }));
    const plan = planBatch([queue('s', records)], aggregated, context);
    const counts = plan.entries.map((entry) => entry.users.length);
    assert.deepEqual(counts, [9, 9, 9, 3]);
    assert.deepEqual(
      plan.entries.flatMap((entry) => entry.users.map((user) => user.sequence)),
      records.map((record) => record.sequence),
    );
  });
});

describe('retry policy', () => {
  test('full-jitter backoff stays under min(cap, base · 2^(attempt-1))', () => {
    assert.equal(
      backoffMs(defaultRetryPolicy, 1, () => 0.999_999),
      99,
    );
    assert.equal(
      backoffMs(defaultRetryPolicy, 3, () => 0.5),
      200,
    );
    assert.equal(
      backoffMs(defaultRetryPolicy, 30, () => 0.999_999),
      4_999,
    );
    assert.equal(
      backoffMs(defaultRetryPolicy, 5, () => 0),
      0,
    );
  });

  test('classifies per-record codes and whole-call errors', () => {
    assert.equal(classifyRecordError('ProvisionedThroughputExceededException'), 'throttle');
    assert.equal(classifyRecordError('KMSThrottlingException'), 'throttle');
    assert.equal(classifyRecordError('InternalFailure'), 'transient');
    assert.equal(classifyRecordError('KMSDisabledException'), 'permanent');
    const serviceError = (name: string, status: number, fault: string) =>
      Object.assign(new Error(name), { name, $fault: fault, $metadata: { httpStatusCode: status } });
    assert.equal(classifyCallError(serviceError('LimitExceededException', 400, 'client')), 'throttle');
    assert.equal(classifyCallError(serviceError('InternalFailure', 500, 'server')), 'transient');
    assert.equal(classifyCallError(serviceError('ValidationException', 400, 'client')), 'permanent');
    assert.equal(classifyCallError(serviceError('ResourceNotFoundException', 400, 'client')), 'permanent');
    assert.equal(classifyCallError(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), 'transient');
  });
});
