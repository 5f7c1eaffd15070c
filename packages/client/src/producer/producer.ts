/**
 * A KPL-class Kinesis producer on top of the AWS SDK: batches user records into PutRecords calls
 * (by count, size and linger time), optionally packs them into KPL aggregates per shard, retries
 * only what failed with jittered backoff, keeps one throttled shard from stalling the others,
 * bounds its memory (put() waits for room), and can keep strict per-partition-key order.
 *
 * Records flow: put() → admission (back-pressure) → the queue of their predicted shard → a planned
 * batch (batch.ts) → PutRecords → acknowledged, or back into a queue for a retry.
 */
import { PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { Admission } from './admission.js';
import { commitBatch, planBatch } from './batch.js';
import { MetricsRecorder, type ProducerMetrics } from './metrics.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { type ProducerRecord, RecordValidator, type ValidRecord } from './record-validation.js';
import { backoffMs, classifyCallError, classifyRecordError, type FailureKind } from './retry.js';
import { loadShardMap } from './shard-map.js';
import { ShardQueues } from './shard-queues.js';
import {
  type BatchEntry,
  type PendingRecord,
  ProducerClosedError,
  type ProducerOptions,
  type PutResult,
  RecordFailedError,
} from './types.js';

/** After a planned batch was not worth sending, puts re-plan only once this much more is queued. */
const replanBytesStep = 64 * 1024;
const replanRecordsStep = 64;

export class Producer {
  readonly #kinesis: ProducerOptions['kinesis'];
  readonly #options: ResolvedOptions;
  readonly #metrics = new MetricsRecorder();
  readonly #validator: RecordValidator;
  readonly #admission: Admission;
  readonly #queues = new ShardQueues();

  #refreshing: Promise<void> | undefined;
  #refreshFailures = 0;
  #replanAt: { bytes: number; records: number } | undefined;
  #lastSequence = 0;
  readonly #inFlightKeys = new Map<string, number>();
  #inFlightRequests = 0;
  #flushThroughSequence = 0;

  #pumpScheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #timerAtMs = Number.POSITIVE_INFINITY;
  #refreshTimer: NodeJS.Timeout | undefined;
  #metricsTimer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;

  constructor(options: ProducerOptions) {
    this.#kinesis = options.kinesis;
    this.#options = resolveOptions(options);
    this.#validator = new RecordValidator(this.#options.recordBytesMax);
    this.#admission = new Admission(this.#options, (pending) => this.#onAdmit(pending), this.#metrics);
    if (options.onMetrics) {
      const onMetrics = options.onMetrics;
      this.#metricsTimer = setInterval(() => onMetrics(this.metrics()), this.#options.metricsIntervalMs);
      this.#metricsTimer.unref();
    }
  }

  /**
   * Puts one record; resolves once Kinesis acknowledged it (with its shard, sequence number and,
   * inside an aggregate, sub-sequence number), rejects when it fails for good. When the buffer is
   * full the record waits, in put order, for room before it is buffered.
   */
  put(record: ProducerRecord): Promise<PutResult> {
    return this.#submit(record).result;
  }

  /**
   * Resolves once the record is buffered (so `await producer.enqueue(…)` in a loop keeps memory
   * bounded), with `result`, the acknowledgement as `put()` gives it. `result` already has a
   * rejection handler attached: ignoring it does not crash the process; failures are counted in
   * `metrics().failedRecords`.
   */
  async enqueue(record: ProducerRecord): Promise<{ result: Promise<PutResult> }> {
    const { result, waiting } = this.#submit(record);
    result.catch(() => {});
    if (waiting !== undefined)
      await new Promise<void>((resolve) => {
        waiting.onAdmitted = resolve;
      });
    return { result };
  }

  /** Sends everything buffered now; resolves when every record put before the call is settled. */
  flush(): Promise<void> {
    const through = this.#lastSequence;
    this.#flushThroughSequence = Math.max(this.#flushThroughSequence, through);
    const done = this.#admission.settledThrough(through);
    this.#schedulePump();
    return done;
  }

  /** Flushes and stops the timers; put() afterwards rejects with ProducerClosedError. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#clearTimer();
    if (this.#refreshTimer) clearInterval(this.#refreshTimer);
    if (this.#metricsTimer) clearInterval(this.#metricsTimer);
    await this.#refreshing;
  }

  metrics(): ProducerMetrics {
    return this.#metrics.snapshot({
      records: this.#admission.bufferedRecords,
      bytes: this.#admission.bufferedBytes,
      waitingPuts: this.#admission.waitingCount,
    });
  }

  // ---- admission -------------------------------------------------------------------------------

  /** Validates and buffers a record, or queues it for room; `waiting` is set in the second case. */
  #submit(input: ProducerRecord): { result: Promise<PutResult>; waiting?: PendingRecord } {
    if (this.#closed) return { result: Promise.reject(new ProducerClosedError()) };
    let valid: ValidRecord;
    try {
      valid = this.#validator.validate(input);
    } catch (error) {
      return { result: Promise.reject(error) };
    }
    this.#start();
    let resolve: (result: PutResult) => void = () => {};
    let reject: (error: Error) => void = () => {};
    const result = new Promise<PutResult>((resolveResult, rejectResult) => {
      resolve = resolveResult;
      reject = rejectResult;
    });
    const pending: PendingRecord = {
      sequence: ++this.#lastSequence,
      ...valid,
      putAtMs: performance.now(),
      shardId: '',
      failures: 0,
      notBeforeMs: 0,
      resolve,
      reject,
      onAdmitted: undefined,
    };
    return this.#admission.offer(pending) ? { result } : { result, waiting: pending };
  }

  /** A record entered the buffer: queue it, and plan a call now if a full one may be ready. */
  #onAdmit(pending: PendingRecord): void {
    const queues = this.#queues;
    queues.add(pending);
    const { recordsMax, bytesMax, lingerMs } = this.#options.limits;
    const full = queues.queuedRecords >= recordsMax || queues.queuedBytes >= bytesMax;
    const replanAt = this.#replanAt;
    if (
      full &&
      (replanAt === undefined || queues.queuedBytes >= replanAt.bytes || queues.queuedRecords >= replanAt.records)
    )
      this.#schedulePump();
    else this.#armTimer(pending.putAtMs + lingerMs);
  }

  // ---- the shard map ---------------------------------------------------------------------------

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#refreshShardMap();
    if (this.#options.shardMapRefreshMs > 0) {
      this.#refreshTimer = setInterval(() => void this.#refreshShardMap(), this.#options.shardMapRefreshMs);
      this.#refreshTimer.unref();
    }
  }

  /** Lists the shards again (one listing at a time); on failure keeps the old map and tries later. */
  #refreshShardMap(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        this.#queues.setMap(await loadShardMap(this.#kinesis, this.#options.target));
        this.#refreshFailures = 0;
        this.#metrics.shardMapRefreshes++;
      } catch (error) {
        this.#refreshFailures++;
        if (this.#queues.map === undefined) this.#onShardMapUnavailable(error);
      } finally {
        this.#refreshing = undefined;
        this.#schedulePump();
      }
    })();
    return this.#refreshing;
  }

  /** Without any shard map nothing can be routed: retry the listing, or fail the records for good. */
  #onShardMapUnavailable(error: unknown): void {
    const attempts = this.#refreshFailures;
    const retry = this.#options.retry;
    if (classifyCallError(error) === 'permanent' || attempts >= retry.maxAttempts) {
      const failure = new RecordFailedError(
        error instanceof Error ? error.name : 'ListShardsFailed',
        `cannot list the stream's shards: ${error instanceof Error ? error.message : String(error)}`,
        attempts,
        error,
      );
      for (const pending of this.#queues.takeUnrouted()) this.#fail(pending, failure);
      this.#refreshFailures = 0;
      this.#started = false; // the next put tries again
      if (this.#refreshTimer) clearInterval(this.#refreshTimer);
      return;
    }
    setTimeout(() => void this.#refreshShardMap(), backoffMs(retry, attempts, this.#options.random)).unref();
  }

  // ---- sending ---------------------------------------------------------------------------------

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    const queues = this.#queues;
    if (queues.map === undefined) return; // the first listing will pump
    const limits = this.#options.limits;
    while (this.#inFlightRequests < this.#options.maxInFlightRequests && queues.queuedRecords > 0) {
      const plan = planBatch(queues.rotated(), limits, {
        nowMs: performance.now(),
        flushThroughSequence: this.#flushThroughSequence,
        inFlightKeys: this.#inFlightKeys,
      });
      if (plan.entries.length === 0 || !(plan.full || plan.due)) {
        this.#replanAt = {
          bytes: queues.queuedBytes + replanBytesStep,
          records: queues.queuedRecords + replanRecordsStep,
        };
        break;
      }
      this.#replanAt = undefined;
      commitBatch(plan);
      queues.sent(plan.entries);
      void this.#send(plan.entries);
    }
    const nowMs = performance.now();
    let nextMs = queues.nextDeadlineMs(nowMs, limits.lingerMs, this.#flushThroughSequence);
    // Records due but held back (keys in flight, the in-flight limit) are looked at again when a call
    // ends; the linger time bounds the wait in any case.
    if (nextMs === Number.POSITIVE_INFINITY && queues.queuedRecords > 0) nextMs = nowMs + Math.max(limits.lingerMs, 1);
    this.#armTimer(nextMs);
  }

  #armTimer(atMs: number): void {
    if (!Number.isFinite(atMs) || atMs >= this.#timerAtMs) return;
    this.#clearTimer();
    this.#timerAtMs = atMs;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAtMs = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      Math.max(0, Math.ceil(atMs - performance.now())),
    );
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAtMs = Number.POSITIVE_INFINITY;
  }

  async #send(entries: BatchEntry[]): Promise<void> {
    this.#inFlightRequests++;
    const keys = this.#options.limits.perKeyOrdering
      ? entries.flatMap((entry) => [...new Set(entry.users.map((u) => u.record.partitionKey))])
      : [];
    for (const key of keys) this.#inFlightKeys.set(key, (this.#inFlightKeys.get(key) ?? 0) + 1);
    try {
      this.#metrics.putRecordsCalls++;
      let answer: PutRecordsResultEntry[];
      try {
        const output = await this.#kinesis.send(
          new PutRecordsCommand({
            StreamName: this.#options.target.streamName,
            StreamARN: this.#options.target.streamARN,
            Records: entries.map((entry) => ({
              Data: entry.payload.data,
              PartitionKey: entry.payload.partitionKey,
              ExplicitHashKey: entry.payload.explicitHashKey,
            })),
          }),
        );
        answer = output.Records ?? [];
      } catch (error) {
        this.#metrics.putRecordsCallsFailed++;
        this.#onCallFailed(entries, error);
        return;
      }
      await this.#onAnswer(entries, answer);
    } finally {
      for (const key of keys) {
        const count = (this.#inFlightKeys.get(key) ?? 1) - 1;
        if (count === 0) this.#inFlightKeys.delete(key);
        else this.#inFlightKeys.set(key, count);
      }
      this.#inFlightRequests--;
      this.#schedulePump();
    }
  }

  async #onAnswer(entries: readonly BatchEntry[], answer: readonly PutRecordsResultEntry[]): Promise<void> {
    const misplaced: { entry: BatchEntry; shardId: string; sequenceNumber: string }[] = [];
    let refresh = false;
    const nowMs = performance.now();
    entries.forEach((entry, index) => {
      const result = answer[index];
      if (result?.ErrorCode) {
        this.#onEntryFailed(
          entry,
          result.ErrorCode,
          result.ErrorMessage ?? '',
          classifyRecordError(result.ErrorCode),
          nowMs,
        );
        return;
      }
      if (!result?.ShardId || !result.SequenceNumber) {
        this.#onEntryFailed(entry, 'InternalFailure', 'PutRecords answered without this record', 'transient', nowMs);
        return;
      }
      const queue = this.#queues.get(entry.shardId);
      if (queue) queue.throttleStreak = 0;
      if (result.ShardId !== entry.shardId || !this.#queues.map?.isOpen(result.ShardId)) {
        // The stream was resharded since the last listing (or the listing missed a shard).
        refresh = true;
        if (entry.aggregated) {
          misplaced.push({ entry, shardId: result.ShardId, sequenceNumber: result.SequenceNumber });
          return;
        }
      }
      this.#succeed(entry, result.ShardId, result.SequenceNumber);
    });
    if (!refresh) return;
    await this.#refreshShardMap();
    for (const { entry, shardId, sequenceNumber } of misplaced) {
      // An aggregate landed on another shard than predicted. If all its records belong there it is
      // fine; otherwise consumers (KCL) drop it, so its records are sent again, as KPL does.
      const range = this.#queues.map?.range(shardId);
      const fits =
        range !== undefined &&
        entry.users.every((user) => user.hashKey >= range.startingHashKey && user.hashKey <= range.endingHashKey);
      if (fits) this.#succeed(entry, shardId, sequenceNumber);
      else
        this.#onEntryFailed(
          entry,
          'WrongShard',
          `aggregate landed on ${shardId}, outside its records' shard`,
          'transient',
          performance.now(),
        );
    }
  }

  #succeed(entry: BatchEntry, shardId: string, sequenceNumber: string): void {
    this.#metrics.kinesisRecordsPut++;
    const nowMs = performance.now();
    entry.users.forEach((user, index) => {
      this.#metrics.userRecordsPut++;
      this.#metrics.userBytesPut += user.sizeBytes;
      this.#metrics.recordLatency(nowMs - user.putAtMs);
      this.#admission.settle(user);
      user.resolve(
        entry.aggregated ? { shardId, sequenceNumber, subSequenceNumber: index } : { shardId, sequenceNumber },
      );
    });
  }

  #onCallFailed(entries: readonly BatchEntry[], error: unknown): void {
    const kind = classifyCallError(error);
    const code = error instanceof Error ? error.name : 'UnknownError';
    const message = error instanceof Error ? error.message : String(error);
    const nowMs = performance.now();
    if (kind === 'throttle') this.#metrics.throttles++;
    for (const entry of entries) {
      if (kind === 'permanent') {
        for (const user of entry.users)
          this.#fail(user, new RecordFailedError(code, message, user.failures + 1, error));
      } else {
        this.#onEntryFailed(entry, code, message, kind, nowMs, false);
      }
    }
  }

  /** A failed entry: its records go back for another attempt, or fail when that is pointless. */
  #onEntryFailed(
    entry: BatchEntry,
    code: string,
    message: string,
    kind: FailureKind,
    nowMs: number,
    countThrottle = true,
  ): void {
    if (kind === 'throttle') {
      if (countThrottle) this.#metrics.throttles++;
      const queue = this.#queues.get(entry.shardId);
      if (queue) {
        queue.throttleStreak++;
        queue.backoffUntilMs = Math.max(
          queue.backoffUntilMs,
          nowMs + backoffMs(this.#options.retry, queue.throttleStreak, this.#options.random),
        );
      }
    }
    for (const user of entry.users) {
      user.failures++;
      if (kind === 'permanent' || user.failures >= this.#options.retry.maxAttempts) {
        this.#fail(user, new RecordFailedError(code, message, user.failures));
        continue;
      }
      this.#metrics.retries++;
      user.notBeforeMs = nowMs + backoffMs(this.#options.retry, user.failures, this.#options.random);
      this.#queues.add(user);
    }
  }

  #fail(user: PendingRecord, error: Error): void {
    this.#metrics.failedRecords++;
    this.#admission.settle(user);
    user.reject(error);
  }
}
