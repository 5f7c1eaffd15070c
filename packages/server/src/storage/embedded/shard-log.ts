/**
 * The log of one shard: appends with group commit, segment rolls, and reads of committed data.
 *
 * Group commit: at most one write round is in flight per shard. Batches appended meanwhile wait
 * in a queue, and the next round writes all of them with one `writev` and one `fdatasync` (one
 * O_DSYNC `pwritev` on the real file system: LogFile.writeDurably), so the sync cost is shared by
 * every writer that arrived while the disk was busy. An append
 * resolves only once its round is durable under the policy ('fsync': after the sync; 'os': after
 * the write), and readers see nothing beyond the last resolved round.
 *
 * Retention (`trimBefore`) deletes whole expired segments from the front (shard-trim.ts); it
 * waits for reads that may still walk them, and rolls an idle, wholly expired active segment
 * between write rounds so that it can go too.
 */
import assert from 'node:assert/strict';
import type {
  AppendOptions,
  AppendRecord,
  AppendResult,
  DataKey,
  LogRecord,
  ReadLimits,
  ReadOptions,
  ReadResult,
  ShardLog,
} from '../ports.js';
import {
  decodeBatchRecords,
  encodeBatch,
  measureBatchBytes,
  parseBatchHeader,
  type ReadBudget,
} from './batch-codec.js';
import { sealBatch, sealOverheadBytes } from './batch-crypto.js';
import { writeDurably } from './file-system.js';
import { LogClosedError, LogWriteFailedError } from './log-errors.js';
import type { Segment } from './segment.js';
import type { ShardContext } from './shard-context.js';
import { offsetAtOrAfter, type ReadableShard, readRecords } from './shard-reader.js';
import { openSegmentFile, recoverShard } from './shard-recovery.js';
import { trimSealedSegments } from './shard-trim.js';

/** An append whose offsets are not assigned yet, because the shard's queue is full. */
interface WaitingAppend {
  readonly records: readonly AppendRecord[];
  readonly encryption: DataKey | undefined;
  readonly batchBytes: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

/** An encoded batch with its offsets assigned, waiting for (or in) a write round. */
interface QueuedBatch {
  readonly bytes: Buffer;
  /** True when `bytes` is the plain encoding (not sealed): the tail may serve it (see read). */
  readonly plain: boolean;
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly arrivalMs: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

/** A push reader parked until the record at `offset` is durable (see waitForRecords). */
interface RecordWaiter {
  readonly offset: number;
  readonly wake: () => void;
}

/** Rounds up to this size stay in memory after their commit, for reads at the tail. */
const tailBytesMax = 256 * 1024;

interface TailRound {
  readonly firstOffset: number;
  readonly batches: readonly QueuedBatch[];
}

function tailOf(round: readonly QueuedBatch[]): TailRound | undefined {
  let bytes = 0;
  for (const batch of round) {
    if (!batch.plain) return undefined;
    bytes += batch.bytes.length;
  }
  const first = round[0];
  return first === undefined || bytes > tailBytesMax ? undefined : { firstOffset: first.baseOffset, batches: round };
}

export class SegmentShardLog implements ShardLog, ReadableShard {
  private committedEndOffset: number;
  private committedLastArrivalMs: number | undefined;
  private nextAssignedOffset: number;
  private lastAssignedArrivalMs: number;
  /** Admitted batches not yet handed to a write round, oldest first. */
  private readonly queued: QueuedBatch[] = [];
  /** Bytes admitted and not yet committed (queued plus in the current round). */
  private admittedBytes = 0;
  /** Appends refused admission by the queue bound, in call order. */
  private readonly waiting: WaitingAppend[] = [];
  private flushing: Promise<void> | undefined;
  /** Set while retention rolls the active segment; write rounds wait for it. */
  private rolling: Promise<void> | undefined;
  /** The latest trim, settled (never rejects): trims run one at a time, and close waits for them. */
  private trimming: Promise<void> | undefined;
  /** Reads and lookups in flight: retention waits for them before closing a segment they may walk. */
  private readonly reads = new Set<Promise<unknown>>();
  private failure: LogWriteFailedError | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  /** Push readers parked until a commit reaches their offset; woken by commit() and by close. */
  private readonly recordWaiters = new Set<RecordWaiter>();
  /**
   * The latest committed round while it is small and plain: the records a woken push reader (a
   * caught-up SubscribeToShard, a GetRecords at the end) asks for next. Reads that start in it
   * (and so end in it: it is the end of the log) decode these buffers instead of reading the file
   * back, which would be one more trip through the thread pool between "durable" and "delivered".
   */
  private tail: TailRound | undefined;

  private constructor(
    readonly context: ShardContext,
    readonly segments: Segment[],
    recovered: { endOffset: number; lastArrivalMs: number | undefined },
  ) {
    this.committedEndOffset = recovered.endOffset;
    this.committedLastArrivalMs = recovered.lastArrivalMs;
    this.nextAssignedOffset = recovered.endOffset;
    this.lastAssignedArrivalMs = recovered.lastArrivalMs ?? 0;
  }

  static async open(context: ShardContext): Promise<SegmentShardLog> {
    const recovered = await recoverShard(context);
    return new SegmentShardLog(context, recovered.segments, recovered);
  }

  /**
   * Offsets are assigned in call order: synchronously when the queue has room, otherwise when
   * the appends ahead of this one have drained. The records are encoded at that moment, so the
   * caller must not modify them until the promise settles.
   */
  append(records: readonly AppendRecord[], options: AppendOptions = {}): Promise<AppendResult> {
    if (this.closing !== undefined)
      return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const encryption = options.encryption;
    const batchBytes = measureBatchBytes(records) + (encryption === undefined ? 0 : sealOverheadBytes);
    return new Promise((resolve, reject) => {
      const append = { records, encryption, batchBytes, resolve, reject };
      if (this.waiting.length === 0 && this.hasRoomFor(batchBytes)) {
        this.admit(append);
      } else {
        this.waiting.push(append);
      }
    });
  }

  read(fromOffset: number, limits: ReadLimits, options?: ReadOptions): Promise<ReadResult> {
    if (this.closed) return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    const fromTail = this.readTail(fromOffset, limits);
    if (fromTail !== undefined) return Promise.resolve(fromTail);
    return this.track(readRecords(this, fromOffset, limits, options));
  }

  offsetAtOrAfter(timestampMs: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    return this.track(offsetAtOrAfter(this, timestampMs));
  }

  trimBefore(timestampMs: number): Promise<void> {
    assert.ok(Number.isSafeInteger(timestampMs), 'timestampMs is a whole number of milliseconds');
    if (this.closing !== undefined)
      return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    // One trim at a time: each starts from the segments the previous one left.
    const run = (this.trimming ?? Promise.resolve()).then(() => this.trimOnce(timestampMs));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.trimming = settled;
    void settled.then(() => {
      if (this.trimming === settled) this.trimming = undefined;
    });
    return run;
  }

  /** Resolves once every read and lookup that was in flight when it was called has finished. */
  async readsSettled(): Promise<void> {
    await Promise.allSettled([...this.reads]);
  }

  waitForRecords(offset: number, signal?: AbortSignal): Promise<void> {
    if (this.committedEndOffset > offset || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: RecordWaiter = {
        offset,
        wake: () => {
          this.recordWaiters.delete(waiter);
          signal?.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      this.recordWaiters.add(waiter);
      signal?.addEventListener('abort', waiter.wake, { once: true });
    });
  }

  startOffset(): number {
    return (this.segments[0] as Segment).baseOffset;
  }

  endOffset(): number {
    return this.committedEndOffset;
  }

  lastArrivalMs(): number | undefined {
    return this.committedLastArrivalMs;
  }

  /** Refuses new appends, lets admitted and waiting ones finish, then closes every file. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    while (this.trimming !== undefined) await this.trimming;
    for (const segment of this.segments) await segment.file.close();
    this.closed = true;
    // Parked readers now read and see LogClosedError instead of waiting for records that never come.
    for (const waiter of [...this.recordWaiters]) waiter.wake();
  }

  private hasRoomFor(batchBytes: number): boolean {
    // An empty queue admits any batch (batches are bounded by batchBytesMax ≤ the queue bound).
    return this.admittedBytes === 0 || this.admittedBytes + batchBytes <= this.context.appendQueueBytesMax;
  }

  private admit(append: WaitingAppend): void {
    const now = this.context.clock();
    assert.ok(Number.isSafeInteger(now) && now >= 0, 'the clock returns whole milliseconds since the epoch');
    // Arrival times never go backwards within a shard, even when the wall clock does.
    const arrivalMs = Math.max(now, this.lastAssignedArrivalMs);
    const baseOffset = this.nextAssignedOffset;
    const plainBytes = append.batchBytes - (append.encryption === undefined ? 0 : sealOverheadBytes);
    const plain = encodeBatch(append.records, { baseOffset, arrivalMs, batchBytes: plainBytes });
    const bytes = append.encryption === undefined ? plain : sealBatch(plain, append.encryption);
    this.nextAssignedOffset += append.records.length;
    this.lastAssignedArrivalMs = arrivalMs;
    this.admittedBytes += bytes.length;
    this.queued.push({
      bytes,
      plain: append.encryption === undefined,
      baseOffset,
      recordCount: append.records.length,
      arrivalMs,
      resolve: append.resolve,
      reject: append.reject,
    });
    this.flushing ??= this.flushLoop();
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0 && this.hasRoomFor((this.waiting[0] as WaitingAppend).batchBytes)) {
      this.admit(this.waiting.shift() as WaitingAppend);
    }
  }

  private async flushLoop(): Promise<void> {
    // Start in the event loop's check phase (setImmediate), after every socket that was readable
    // in this turn has been read: appends of requests that arrived together join the first round.
    // A microtask would start the round after the first request's callback, before the others are
    // parsed (PutRecord ×32: 2.9–3.2 records per round then, 3.8–4.2 now; a round is a trip
    // through the thread pool and a disk write, so fewer rounds leave more CPU for requests).
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.rolling !== undefined) await this.rolling;
      while (this.queued.length > 0 && this.failure === undefined) await this.flushRound();
    } finally {
      this.flushing = undefined;
    }
  }

  private async flushRound(): Promise<void> {
    const first = this.queued[0] as QueuedBatch;
    let segment: Segment;
    try {
      segment = await this.segmentWithRoomFor(first.bytes.length);
    } catch (error) {
      this.fail(error, []);
      return;
    }
    const round = this.takeRound(segment);
    const position = segment.writtenBytes;
    const roundBytes = round.reduce((sum, batch) => sum + batch.bytes.length, 0);
    const buffers = round.map((batch) => batch.bytes);
    try {
      // Under fsync the round is written and flushed in one step where the file system can
      // (O_DSYNC: one trip through the thread pool instead of a writev and an fdatasync).
      if (this.context.durability === 'fsync') await writeDurably(segment.file, buffers, position);
      else await segment.file.write(buffers, position);
      segment.writtenBytes = position + roundBytes;
    } catch (error) {
      this.fail(error, round);
      return;
    }
    this.commit(segment, position, round);
    this.admittedBytes -= roundBytes;
    this.admitWaiting();
  }

  /**
   * A read served from the tail (see `tail`), or undefined when it must go to the file: it starts
   * before the tail, at or past the end, or below the trim horizon. The bytes were checksummed
   * when they were encoded and have not left memory, so they are not verified again.
   */
  private readTail(fromOffset: number, limits: ReadLimits): ReadResult | undefined {
    const tail = this.tail;
    const endOffset = this.committedEndOffset;
    if (tail === undefined || fromOffset < tail.firstOffset || fromOffset >= endOffset) return undefined;
    if (fromOffset < this.startOffset()) return undefined;
    // Invalid limits go the file's way, which refuses them.
    if (!(limits.recordCountMax > 0 && limits.bytesMax > 0)) return undefined;
    const records: LogRecord[] = [];
    const budget: ReadBudget = { recordsLeft: limits.recordCountMax, bytesLeft: limits.bytesMax };
    const window = { fromOffset, endOffset };
    for (const batch of tail.batches) {
      if (batch.baseOffset + batch.recordCount <= fromOffset) continue;
      const header = parseBatchHeader(batch.bytes, 0);
      assert.ok(typeof header === 'object', 'a batch encoded by this log parses');
      const more = decodeBatchRecords(batch.bytes, 0, header, window, budget, records);
      assert.ok(more !== 'bad-record-layout', 'a batch encoded by this log decodes');
      if (!more) break;
    }
    const last = records.at(-1);
    return { records, nextOffset: last === undefined ? fromOffset : last.offset + 1 };
  }

  /** The longest run of queued batches that fits the segment (at least one: see segmentWithRoomFor). */
  private takeRound(segment: Segment): QueuedBatch[] {
    const roomBytes = this.context.segmentBytesMax - segment.writtenBytes;
    let count = 0;
    let roundBytes = 0;
    for (const batch of this.queued) {
      if (count > 0 && roundBytes + batch.bytes.length > roomBytes) break;
      count += 1;
      roundBytes += batch.bytes.length;
    }
    return this.queued.splice(0, count);
  }

  private commit(segment: Segment, position: number, round: readonly QueuedBatch[]): void {
    let batchPosition = position;
    for (const batch of round) {
      segment.commitBatch(batchPosition, {
        baseOffset: batch.baseOffset,
        arrivalMs: batch.arrivalMs,
        batchBytes: batch.bytes.length,
      });
      batchPosition += batch.bytes.length;
      this.committedEndOffset = batch.baseOffset + batch.recordCount;
      this.committedLastArrivalMs = batch.arrivalMs;
    }
    this.tail = tailOf(round);
    for (const batch of round) batch.resolve({ firstOffset: batch.baseOffset, arrivalMs: batch.arrivalMs });
    for (const waiter of [...this.recordWaiters]) {
      if (waiter.offset < this.committedEndOffset) waiter.wake();
    }
  }

  /**
   * The active segment, or a new one when the batch would push a non-empty active segment past
   * segmentBytesMax (a batch larger than the maximum gets a fresh segment to itself).
   */
  private async segmentWithRoomFor(batchBytes: number): Promise<Segment> {
    const active = this.segments.at(-1) as Segment;
    if (active.writtenBytes === 0 || active.writtenBytes + batchBytes <= this.context.segmentBytesMax) return active;
    return this.roll(active);
  }

  private async roll(active: Segment): Promise<Segment> {
    assert.equal(active.committedBytes, active.writtenBytes, 'rolls happen between write rounds');
    const { fileSystem, directory } = this.context;
    // A sealed segment is durable under both policies, so recovery only ever scans the last one.
    if (this.context.durability === 'os') await active.file.sync();
    await active.writeIndexFile(fileSystem);
    active.sealed = true;
    const next = await openSegmentFile(this.context, this.committedEndOffset);
    // One directory sync covers the new .index and the new .log names.
    await fileSystem.syncDir(directory);
    this.segments.push(next);
    return next;
  }

  private track<T>(operation: Promise<T>): Promise<T> {
    this.reads.add(operation);
    const done = (): void => {
      this.reads.delete(operation);
    };
    operation.then(done, done);
    return operation;
  }

  private async trimOnce(timestampMs: number): Promise<void> {
    await this.rollExpiredActive(timestampMs);
    await trimSealedSegments(this, timestampMs);
  }

  /**
   * When every record of the active segment is older than the cutoff and no write is under way,
   * seals it and starts an empty one, so that the sealed-segment pass deletes it like any other.
   * A busy shard never gets here: its active segment holds recent records.
   */
  private async rollExpiredActive(timestampMs: number): Promise<void> {
    const expired = (): boolean => {
      const active = this.segments.at(-1) as Segment;
      return active.committedBytes > 0 && (this.committedLastArrivalMs ?? timestampMs) < timestampMs;
    };
    if (!expired()) return;
    while (this.flushing !== undefined) await this.flushing;
    // Checked again after the wait. From here until roll() is under way nothing else runs, and a
    // write round that starts meanwhile waits for `rolling` before it picks its segment.
    if (this.failure !== undefined || this.closing !== undefined || !expired()) return;
    let release = (): void => undefined;
    this.rolling = new Promise((resolve) => {
      release = resolve;
    });
    try {
      await this.roll(this.segments.at(-1) as Segment);
    } catch (error) {
      this.fail(error, []);
      throw this.failure;
    } finally {
      this.rolling = undefined;
      release();
    }
  }

  private fail(cause: unknown, round: readonly QueuedBatch[]): void {
    const failure = new LogWriteFailedError(this.context.streamKey, this.context.shardIndex, cause);
    this.failure = failure;
    const queued = this.queued.splice(0);
    const waiting = this.waiting.splice(0);
    this.admittedBytes = 0;
    for (const batch of [...round, ...queued]) batch.reject(failure);
    for (const append of waiting) append.reject(failure);
  }
}
