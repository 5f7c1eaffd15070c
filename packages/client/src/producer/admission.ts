/**
 * Back-pressure and flush bookkeeping: which records are buffered (from admission until they are
 * acknowledged or fail), which wait for room (in put order), and when everything put up to a given
 * sequence has settled.
 */
import type { MetricsRecorder } from './metrics.js';
import type { PendingRecord } from './types.js';

export interface AdmissionLimits {
  readonly maxBufferedBytes: number;
  readonly maxBufferedRecords: number;
}

interface FlushWaiter {
  readonly through: number;
  readonly resolve: () => void;
}

/** The waiting list is compacted once this many admitted entries sit at its head. */
const waitingCompactionThreshold = 1024;

export class Admission {
  bufferedBytes = 0;
  bufferedRecords = 0;
  readonly #limits: AdmissionLimits;
  readonly #onAdmit: (pending: PendingRecord) => void;
  readonly #metrics: MetricsRecorder;
  #waiting: PendingRecord[] = [];
  #waitingHead = 0;
  /** Every record put and not yet settled, by sequence (Map order is put order). */
  readonly #outstanding = new Map<number, PendingRecord>();
  #flushWaiters: FlushWaiter[] = [];

  constructor(limits: AdmissionLimits, onAdmit: (pending: PendingRecord) => void, metrics: MetricsRecorder) {
    this.#limits = limits;
    this.#onAdmit = onAdmit;
    this.#metrics = metrics;
  }

  get waitingCount(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  /** Buffers the record if there is room and nobody waits before it (true), else queues it (false). */
  offer(pending: PendingRecord): boolean {
    this.#outstanding.set(pending.sequence, pending);
    if (this.waitingCount === 0 && this.#hasRoom(pending.sizeBytes)) {
      this.#admit(pending);
      return true;
    }
    this.#waiting.push(pending);
    return false;
  }

  /** The record left the buffer (acknowledged or failed): room for waiting puts, progress for flushes. */
  settle(pending: PendingRecord): void {
    this.bufferedBytes -= pending.sizeBytes;
    this.bufferedRecords--;
    this.#outstanding.delete(pending.sequence);
    this.#admitWaiting();
    this.#resolveFlushWaiters();
  }

  /** Resolves when every record with a sequence up to `through` has settled. */
  settledThrough(through: number): Promise<void> {
    const done = new Promise<void>((resolve) => {
      this.#flushWaiters.push({ through, resolve });
    });
    this.#resolveFlushWaiters();
    return done;
  }

  #hasRoom(sizeBytes: number): boolean {
    if (this.bufferedRecords >= this.#limits.maxBufferedRecords) return false;
    // A record bigger than the whole budget still goes, alone, rather than never.
    return this.bufferedRecords === 0 || this.bufferedBytes + sizeBytes <= this.#limits.maxBufferedBytes;
  }

  #admit(pending: PendingRecord): void {
    this.bufferedBytes += pending.sizeBytes;
    this.bufferedRecords++;
    this.#metrics.observeBuffered(this.bufferedRecords, this.bufferedBytes);
    pending.onAdmitted?.();
    this.#onAdmit(pending);
  }

  #admitWaiting(): void {
    while (this.#waitingHead < this.#waiting.length) {
      const next = this.#waiting[this.#waitingHead] as PendingRecord;
      if (!this.#hasRoom(next.sizeBytes)) break;
      this.#waitingHead++;
      this.#admit(next);
    }
    if (this.#waitingHead > waitingCompactionThreshold && this.#waitingHead * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#waitingHead);
      this.#waitingHead = 0;
    }
  }

  #resolveFlushWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    const oldest = this.#outstanding.keys().next();
    const oldestSequence = oldest.done ? Number.POSITIVE_INFINITY : oldest.value;
    const still: FlushWaiter[] = [];
    for (const waiter of this.#flushWaiters) {
      if (waiter.through < oldestSequence) waiter.resolve();
      else still.push(waiter);
    }
    this.#flushWaiters = still;
  }
}
