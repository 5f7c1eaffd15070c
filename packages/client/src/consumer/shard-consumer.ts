/**
 * The processing of one shard while this worker holds its lease, as KCL's ShardConsumer:
 *
 *   wait for parents → initialize → (fetch → processRecords → auto checkpoint)* → one ending:
 *   - shard end: shardEnded (the processor checkpoints SHARD_END; the children's leases are created
 *     first), then the lease is released;
 *   - lease lost: leaseLost, no checkpoint, nothing released (it is someone else's now);
 *   - graceful shutdown: the batch in flight finishes, shutdownRequested, a final automatic
 *     checkpoint when checkpointEvery is set, then the lease is released.
 *
 * Processing is sequential: the next batch is fetched only after processRecords settles.
 */
import type { ChildShard } from '@aws-sdk/client-kinesis';
import type { Lease, LeaseStore } from '../leases/lease-store.js';
import type { LeaseCoordinator } from './lease-coordinator.js';
import { checkpointPosition, compareExtended, type ExtendedSequenceNumber, isSequenceNumber } from './positions.js';
import { type HashKeyRange, toConsumerRecords } from './records.js';
import type { ShardFetcher, StartingPosition } from './retrieval/fetcher.js';
import { Backoff, sleep } from './timing.js';
import {
  type CheckpointEvery,
  type Checkpointer,
  type ConsumerEvent,
  type ErrorContext,
  InvalidCheckpointError,
  LeaseLostError,
  type RecordPosition,
  type RecordProcessor,
} from './types.js';

export interface ShardConsumerContext {
  readonly coordinator: LeaseCoordinator;
  readonly store: LeaseStore;
  readonly fetcher: ShardFetcher;
  readonly processor: (shardId: string) => RecordProcessor;
  readonly initialTimestamp: Date | undefined;
  readonly checkpointEvery: CheckpointEvery | undefined;
  readonly parentShardPollIntervalMs: number;
  readonly emit: (event: ConsumerEvent) => void;
  /** The shard's hash-key range from the last ListShards, for leases that do not carry one. */
  readonly shardRange: (shardId: string) => HashKeyRange | undefined;
  readonly createChildLeases: (children: readonly ChildShard[]) => Promise<void>;
}

/** Back-off between retries of a failing processor call (processRecords, initialize, shardEnded). */
const processorRetryInitialMs = 500;
const processorRetryMaxMs = 30_000;

export class ShardConsumer {
  readonly shardId: string;
  /** Settles when processing has ended (never rejects). */
  readonly done: Promise<void>;
  readonly #lease: Lease;
  readonly #context: ShardConsumerContext;
  /** Aborts fetching and waiting when the lease is lost or shutdown is requested. */
  readonly #stop = new AbortController();
  #lost = false;
  #shutdownRequested = false;
  #processor: RecordProcessor | undefined;
  /** The last record given to processRecords, and the last one whose processRecords returned. */
  #lastDelivered: ExtendedSequenceNumber | undefined;
  #lastProcessed: ExtendedSequenceNumber | undefined;
  #checkpointed: ExtendedSequenceNumber | undefined;
  #processedSinceCheckpoint = 0;
  #lastCheckpointMs = Date.now();
  /** checkpointEvery.ms: fires when no batch comes to trigger the check (an idle shard). */
  #checkpointTimer: NodeJS.Timeout | undefined;
  #processing = false;
  /** Set once every record was delivered: the checkpointer then writes SHARD_END. */
  #endingChildren: readonly ChildShard[] | undefined;
  #shardEndCheckpointed = false;

  constructor(lease: Lease, context: ShardConsumerContext) {
    this.shardId = lease.leaseKey;
    this.#lease = lease;
    this.#context = context;
    this.#checkpointed = checkpointPosition(lease.checkpoint, lease.checkpointSubSequenceNumber);
    this.done = this.#run().catch((error: unknown) => this.#error(error, 'fetching'));
  }

  /** Another worker holds the lease now: stop at once (the batch in flight still completes). */
  leaseLost(): void {
    this.#lost = true;
    this.#stop.abort();
  }

  /** Graceful shutdown: finish the batch in flight, let the processor checkpoint, release the lease. */
  requestShutdown(): void {
    this.#shutdownRequested = true;
    this.#stop.abort();
  }

  get #stopping(): boolean {
    return this.#lost || this.#shutdownRequested;
  }

  async #run(): Promise<void> {
    if (this.#lease.checkpoint === 'SHARD_END') return this.#release();
    if (!(await this.#waitForParents())) return this.#finish();
    const processor = this.#context.processor(this.shardId);
    this.#processor = processor;
    if (
      !(await this.#retryProcessor('initialize', async () => {
        await processor.initialize?.({
          shardId: this.shardId,
          startingCheckpoint: this.#lease.checkpoint,
          startingSubSequenceNumber: this.#lease.checkpointSubSequenceNumber,
        });
        return true;
      }))
    ) {
      return this.#finish();
    }
    const range = this.#hashKeyRange();
    const batches = this.#context.fetcher(this.shardId, this.#startingPosition(), this.#stop.signal);
    for await (const batch of batches) {
      const records = toConsumerRecords(this.shardId, batch.records, range, this.#lastDelivered ?? this.#checkpointed);
      const last = records.at(-1);
      if (last !== undefined) {
        this.#lastDelivered = {
          sequenceNumber: BigInt(last.sequenceNumber),
          subSequenceNumber: last.subSequenceNumber,
        };
        const checkpointer = this.#checkpointer();
        this.#processing = true;
        const processed = await this.#retryProcessor('processRecords', async () => {
          await processor.processRecords({ records, millisBehindLatest: batch.millisBehindLatest, checkpointer });
          return true;
        });
        this.#processing = false;
        if (!processed) {
          // The batch was not processed (it failed, then the lease was lost or shutdown requested):
          // a checkpoint() without a position from now on must not cover it. Keep what the
          // processor checkpointed inside it, if anything.
          this.#lastDelivered = later(this.#lastProcessed, this.#checkpointed);
          break;
        }
        this.#lastProcessed = this.#lastDelivered;
        this.#processedSinceCheckpoint += records.length;
      }
      if (this.#lost) break;
      await this.#autoCheckpoint(false);
      if (batch.shardEnded) return this.#endShard(processor, batch.childShards);
      if (this.#stopping) break;
      this.#scheduleTimedCheckpoint();
    }
    return this.#finish();
  }

  #scheduleTimedCheckpoint(): void {
    const everyMs = this.#context.checkpointEvery?.ms;
    if (everyMs === undefined || this.#checkpointTimer !== undefined || !this.#uncheckpointed()) return;
    // Not after the run has ended (a timed checkpoint that was in flight then must not arm another
    // timer that would keep the process alive after stop()).
    if (this.#stopping || this.#endingChildren !== undefined) return;
    const delayMs = Math.max(0, this.#lastCheckpointMs + everyMs - Date.now());
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      // A batch in flight, or an ending, checks for itself.
      if (this.#processing || this.#stopping || this.#endingChildren !== undefined) return;
      void this.#autoCheckpoint(false).then(() => this.#scheduleTimedCheckpoint());
    }, delayMs);
  }

  #cancelTimedCheckpoint(): void {
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
  }

  /** Lease lost or shutdown requested (or the fetcher stopped because of either). */
  async #finish(): Promise<void> {
    this.#cancelTimedCheckpoint();
    const processor = this.#processor;
    if (this.#lost) {
      // The coordinator dropped the holding before it told us; it may hold the lease again by now
      // (taken back while this run finished), and that new holding is not ours to drop.
      if (processor?.leaseLost !== undefined) await this.#call('leaseLost', () => processor.leaseLost?.());
      return;
    }
    if (processor !== undefined) {
      const checkpointer = this.#checkpointer();
      if (processor.shutdownRequested !== undefined) {
        await this.#call('shutdownRequested', () => processor.shutdownRequested?.({ checkpointer }));
      }
      if (!this.#lost) await this.#autoCheckpoint(true);
    }
    if (!this.#lost) await this.#release();
  }

  async #endShard(processor: RecordProcessor, children: readonly ChildShard[]): Promise<void> {
    this.#cancelTimedCheckpoint();
    this.#endingChildren = children;
    const checkpointer = this.#checkpointer();
    const backoff = new Backoff(processorRetryInitialMs, processorRetryMaxMs);
    while (!this.#shardEndCheckpointed) {
      await this.#call('shardEnded', () => processor.shardEnded({ checkpointer }));
      if (this.#shardEndCheckpointed || this.#lost) break;
      if (this.#context.checkpointEvery !== undefined) {
        await this.#call('checkpoint', () => checkpointer.checkpoint());
        if (this.#shardEndCheckpointed || this.#lost) break;
      } else {
        this.#error(
          new Error(
            `shardEnded for ${this.shardId} returned without checkpointer.checkpoint(): the shard stays unfinished and its children wait; calling shardEnded again`,
          ),
          'shardEnded',
        );
      }
      // Only an unfinished shard can wait for a shutdown; a finished one releases below.
      if (this.#shutdownRequested) return this.#finish();
      await sleep(backoff.nextDelayMs(), this.#stop.signal);
    }
    if (this.#lost) return this.#finish();
    this.#context.emit({
      type: 'shardEnded',
      shardId: this.shardId,
      childShardIds: children.map((child) => child.ShardId ?? ''),
    });
    await this.#release();
  }

  #checkpointer(): Checkpointer {
    return { checkpoint: (position) => this.#checkpoint(position) };
  }

  async #checkpoint(position: RecordPosition | undefined): Promise<void> {
    if (this.#endingChildren !== undefined) {
      if (position !== undefined)
        throw new InvalidCheckpointError('at shard end, call checkpoint() without a position (SHARD_END)');
      // Children's leases first: a crash after the SHARD_END write must not leave them missing.
      await this.#context.createChildLeases(this.#endingChildren);
      const childShardIds = this.#endingChildren.map((child) => child.ShardId ?? '');
      await this.#context.coordinator.checkpoint(this.shardId, 'SHARD_END', 0, childShardIds);
      this.#shardEndCheckpointed = true;
      this.#context.emit({
        type: 'checkpointed',
        shardId: this.shardId,
        checkpoint: 'SHARD_END',
        subSequenceNumber: 0,
      });
      return;
    }
    const target = position === undefined ? this.#lastDelivered : parsePosition(position);
    if (target === undefined) throw new InvalidCheckpointError(`no record of ${this.shardId} was delivered yet`);
    if (this.#lastDelivered === undefined || compareExtended(target, this.#lastDelivered) > 0) {
      throw new InvalidCheckpointError(`${describe(target)} was not delivered yet on ${this.shardId}`);
    }
    if (this.#checkpointed !== undefined && compareExtended(target, this.#checkpointed) < 0) {
      throw new InvalidCheckpointError(`${describe(target)} is before the current checkpoint of ${this.shardId}`);
    }
    if (this.#lost) throw new LeaseLostError(`the lease of ${this.shardId} was lost`);
    const sequenceNumber = target.sequenceNumber.toString();
    await this.#context.coordinator.checkpoint(this.shardId, sequenceNumber, target.subSequenceNumber);
    this.#checkpointed = target;
    this.#lastCheckpointMs = Date.now();
    if (this.#lastProcessed !== undefined && compareExtended(target, this.#lastProcessed) >= 0)
      this.#processedSinceCheckpoint = 0;
    this.#context.emit({
      type: 'checkpointed',
      shardId: this.shardId,
      checkpoint: sequenceNumber,
      subSequenceNumber: target.subSequenceNumber,
    });
  }

  /** Whether records were processed after the checkpoint. */
  #uncheckpointed(): boolean {
    const processed = this.#lastProcessed;
    return (
      processed !== undefined &&
      (this.#checkpointed === undefined || compareExtended(processed, this.#checkpointed) > 0)
    );
  }

  /** checkpointEvery: after a batch (or an empty read), or always (`final`) when there is something new. */
  async #autoCheckpoint(final: boolean): Promise<void> {
    const every = this.#context.checkpointEvery;
    const processed = this.#lastProcessed;
    if (every === undefined || processed === undefined || !this.#uncheckpointed()) return;
    const due =
      final ||
      (every.records !== undefined && this.#processedSinceCheckpoint >= every.records) ||
      (every.ms !== undefined && Date.now() - this.#lastCheckpointMs >= every.ms);
    if (!due) return;
    await this.#call('checkpoint', () =>
      this.#checkpoint({
        sequenceNumber: processed.sequenceNumber.toString(),
        subSequenceNumber: processed.subSequenceNumber,
      }),
    );
  }

  async #waitForParents(): Promise<boolean> {
    const parents = this.#lease.parentShardIds;
    while (!this.#stopping) {
      try {
        const leases = await Promise.all(parents.map((parent) => this.#context.store.getLease(parent)));
        if (leases.every((lease) => lease === undefined || lease.checkpoint === 'SHARD_END')) return true;
      } catch (error) {
        this.#error(error, 'fetching');
      }
      await sleep(this.#context.parentShardPollIntervalMs, this.#stop.signal);
    }
    return false;
  }

  #startingPosition(): StartingPosition {
    const checkpoint = this.#lease.checkpoint;
    // AT the checkpointed record, skipping what was checkpointed: one rule for plain records and
    // for checkpoints inside an aggregate (records.ts skips up to the sub-sequence number).
    if (isSequenceNumber(checkpoint)) return { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: checkpoint };
    if (checkpoint === 'LATEST') return { type: 'LATEST' };
    if (checkpoint === 'AT_TIMESTAMP') {
      if (this.#context.initialTimestamp !== undefined)
        return { type: 'AT_TIMESTAMP', timestamp: this.#context.initialTimestamp };
      this.#error(
        new Error(
          `the lease of ${this.shardId} starts AT_TIMESTAMP but initialPosition has no timestamp: reading from TRIM_HORIZON`,
        ),
        'fetching',
      );
    }
    return { type: 'TRIM_HORIZON' };
  }

  #hashKeyRange(): HashKeyRange | undefined {
    const { startingHashKey, endingHashKey } = this.#lease;
    if (startingHashKey !== undefined && endingHashKey !== undefined) {
      return { startingHashKey: BigInt(startingHashKey), endingHashKey: BigInt(endingHashKey) };
    }
    return this.#context.shardRange(this.shardId);
  }

  /** Calls the processor until it succeeds; false when the lease was lost or shutdown requested meanwhile. */
  async #retryProcessor(during: ErrorContext, call: () => Promise<boolean>): Promise<boolean> {
    const backoff = new Backoff(processorRetryInitialMs, processorRetryMaxMs);
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (this.#lost) return false;
        this.#error(error, during);
        if (this.#shutdownRequested) return false;
        await sleep(backoff.nextDelayMs(), this.#stop.signal);
      }
    }
  }

  async #call(during: ErrorContext, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof LeaseLostError)) this.#error(error, during);
    }
  }

  async #release(): Promise<void> {
    try {
      await this.#context.coordinator.release(this.shardId);
      this.#context.emit({ type: 'leaseReleased', shardId: this.shardId });
    } catch (error) {
      this.#error(error, 'release');
    }
  }

  #error(error: unknown, during: ErrorContext): void {
    this.#context.emit({ type: 'error', error, shardId: this.shardId, during });
  }
}

function parsePosition(position: RecordPosition): ExtendedSequenceNumber {
  if (!isSequenceNumber(position.sequenceNumber)) {
    throw new InvalidCheckpointError(`not a sequence number: ${JSON.stringify(position.sequenceNumber)}`);
  }
  const subSequenceNumber = position.subSequenceNumber ?? 0;
  if (!Number.isSafeInteger(subSequenceNumber) || subSequenceNumber < 0) {
    throw new InvalidCheckpointError(`not a sub-sequence number: ${subSequenceNumber}`);
  }
  return { sequenceNumber: BigInt(position.sequenceNumber), subSequenceNumber };
}

function later(
  a: ExtendedSequenceNumber | undefined,
  b: ExtendedSequenceNumber | undefined,
): ExtendedSequenceNumber | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return compareExtended(a, b) >= 0 ? a : b;
}

function describe(position: ExtendedSequenceNumber): string {
  return `record ${position.sequenceNumber}/${position.subSequenceNumber}`;
}
