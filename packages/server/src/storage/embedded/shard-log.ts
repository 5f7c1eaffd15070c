/**
 * The log of one shard: appends with group commit, segment rolls, and reads of committed data.
 *
 * Group commit: at most one write round is in flight per shard. Batches appended meanwhile wait
 * in a queue, and the next round writes all of them with one `writev` and one `fdatasync`, so
 * the sync cost is shared by every writer that arrived while the disk was busy. An append
 * resolves only once its round is durable under the policy ('fsync': after the sync; 'os': after
 * the write), and readers see nothing beyond the last resolved round.
 */
import assert from 'node:assert/strict';
import type { AppendRecord, AppendResult, ReadLimits, ReadResult, ShardLog } from '../ports.js';
import { encodeBatch, measureBatchBytes } from './batch-codec.js';
import { LogClosedError, LogWriteFailedError } from './log-errors.js';
import type { Segment } from './segment.js';
import type { ShardContext } from './shard-context.js';
import { offsetAtOrAfter, type ReadableShard, readRecords } from './shard-reader.js';
import { openSegmentFile, recoverShard } from './shard-recovery.js';

/** An append whose offsets are not assigned yet, because the shard's queue is full. */
interface WaitingAppend {
  readonly records: readonly AppendRecord[];
  readonly batchBytes: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

/** An encoded batch with its offsets assigned, waiting for (or in) a write round. */
interface QueuedBatch {
  readonly bytes: Buffer;
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly arrivalMs: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
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
  private failure: LogWriteFailedError | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;

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
  append(records: readonly AppendRecord[]): Promise<AppendResult> {
    if (this.closing !== undefined)
      return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const batchBytes = measureBatchBytes(records);
    return new Promise((resolve, reject) => {
      const append = { records, batchBytes, resolve, reject };
      if (this.waiting.length === 0 && this.hasRoomFor(batchBytes)) {
        this.admit(append);
      } else {
        this.waiting.push(append);
      }
    });
  }

  read(fromOffset: number, limits: ReadLimits): Promise<ReadResult> {
    if (this.closed) return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    return readRecords(this, fromOffset, limits);
  }

  offsetAtOrAfter(timestampMs: number): Promise<number> {
    if (this.closed) return Promise.reject(new LogClosedError(this.context.streamKey, this.context.shardIndex));
    return offsetAtOrAfter(this, timestampMs);
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
    for (const segment of this.segments) await segment.file.close();
    this.closed = true;
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
    const bytes = encodeBatch(append.records, { baseOffset, arrivalMs, batchBytes: append.batchBytes });
    this.nextAssignedOffset += append.records.length;
    this.lastAssignedArrivalMs = arrivalMs;
    this.admittedBytes += bytes.length;
    this.queued.push({
      bytes,
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
    // Start after the current tick, so appends made together join the first round.
    await Promise.resolve();
    try {
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
    try {
      await segment.file.write(
        round.map((batch) => batch.bytes),
        position,
      );
      segment.writtenBytes = position + roundBytes;
      if (this.context.durability === 'fsync') await segment.file.sync();
    } catch (error) {
      this.fail(error, round);
      return;
    }
    this.commit(segment, position, round);
    this.admittedBytes -= roundBytes;
    this.admitWaiting();
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
    for (const batch of round) batch.resolve({ firstOffset: batch.baseOffset, arrivalMs: batch.arrivalMs });
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
