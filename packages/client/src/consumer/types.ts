/**
 * The consumer's public types: options, the record processor an application writes, the records it
 * receives and the checkpointer it calls. Names follow KCL's (RecordProcessor, Checkpointer,
 * leaseLost, shardEnded, shutdownRequested) so KCL users recognise the lifecycle.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { LeaseStore } from '../leases/lease-store.js';

/** Where an application with no checkpoints yet starts reading. */
export type InitialPosition = 'TRIM_HORIZON' | 'LATEST' | { readonly timestamp: Date };

/** GetRecords in a loop, sharing the shard's 2 MiB/s read throughput with other applications. */
export interface PollingRetrieval {
  readonly mode: 'polling';
  /** GetRecords `Limit` (1–10,000). Default 10,000, as KCL. */
  readonly maxRecords?: number;
  /** How long to wait after a GetRecords call that returned nothing. Default 1,000 ms (KCL's idleTimeBetweenReadsInMillis). */
  readonly idleTimeBetweenReadsMs?: number;
}

/** Enhanced fan-out: SubscribeToShard pushes records over a dedicated 2 MiB/s pipe per shard. */
export interface FanOutRetrieval {
  readonly mode: 'fan-out';
  /** The registered stream consumer to use; registered (and awaited until ACTIVE) when absent. Default: the application name. */
  readonly consumerName?: string;
}

export type RetrievalOptions = PollingRetrieval | FanOutRetrieval;

/** Automatic checkpoints after processRecords returns: whichever limit is reached first. */
export interface CheckpointEvery {
  /** Checkpoint once this many records were processed since the last checkpoint. */
  readonly records?: number;
  /** Checkpoint once this long has passed since the last checkpoint (checked after each batch or empty read). */
  readonly ms?: number;
}

export interface ConsumerOptions {
  readonly kinesis: KinesisClient;
  /** The stream, by name or ARN (one of the two). */
  readonly streamName?: string;
  readonly streamARN?: string;
  /** Names the lease table: every worker of one application shares its leases and checkpoints. */
  readonly applicationName: string;
  /** Unique per worker process. Default: `<hostname>:<pid>:<random>`. */
  readonly workerId?: string;
  /** Where leases and checkpoints live. Default: in the Tributary server (NativeLeaseStore). */
  readonly leaseStore?: LeaseStore;
  readonly retrieval: RetrievalOptions;
  /** Used only when the lease table is empty, and for leases created at AT_TIMESTAMP. */
  readonly initialPosition: InitialPosition;
  /** A lease whose counter has not moved for this long is expired and taken by others. Default 10,000 (KCL). */
  readonly failoverTimeMs?: number;
  /** How often each worker lists the shards and repairs missing leases. Default 60,000 (KCL). */
  readonly shardSyncIntervalMs?: number;
  /** How often a shard waiting for its parents to finish checks them again. Default 1,000. */
  readonly parentShardPollIntervalMs?: number;
  /** Automatic checkpointing; without it, the processor checkpoints itself. */
  readonly checkpointEvery?: CheckpointEvery;
  /** Makes the record processor for one shard (called each time this worker starts processing a shard). */
  readonly processor: (shardId: string) => RecordProcessor;
  /** Lease changes, shard ends and errors, as they happen. Must not throw. */
  readonly onEvent?: (event: ConsumerEvent) => void;
}

/** One user record: a plain Kinesis record, or one record out of a KPL aggregate. */
export interface ConsumerRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Index inside a KPL aggregate; 0 for a plain record. */
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  /** Only sub-records of aggregates carry one (GetRecords does not return a plain record's). */
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
  readonly approximateArrivalTimestamp: Date;
  /** Whether the record came out of a KPL aggregate. */
  readonly aggregated: boolean;
}

/** A position in a shard, as a checkpoint records it. */
export interface RecordPosition {
  readonly sequenceNumber: string;
  /** Default 0. */
  readonly subSequenceNumber?: number;
}

export interface Checkpointer {
  /**
   * With no argument: in processRecords, checkpoints the last record delivered to this processor;
   * in shutdownRequested, the last record of the last batch whose processRecords succeeded (a
   * batch abandoned after failures is not covered: the next owner gets it again); in shardEnded,
   * marks the shard finished (SHARD_END), which lets its children start. With a
   * position: checkpoints that record, which must have been delivered and not be before the
   * current checkpoint. Rejects with LeaseLostError when this worker no longer holds the lease.
   */
  checkpoint(position?: RecordPosition): Promise<void>;
}

export interface InitializeInput {
  readonly shardId: string;
  /** The lease's checkpoint: a sequence number or TRIM_HORIZON, LATEST, AT_TIMESTAMP. */
  readonly startingCheckpoint: string;
  readonly startingSubSequenceNumber: number;
}

export interface ProcessRecordsInput {
  readonly records: readonly ConsumerRecord[];
  /** How far behind the tip of the shard this batch is (Kinesis' MillisBehindLatest). */
  readonly millisBehindLatest: number;
  readonly checkpointer: Checkpointer;
}

/**
 * One processor per shard lease, called sequentially: initialize, then processRecords for each
 * batch (the next batch comes only after the promise settles), then exactly one of leaseLost,
 * shardEnded, shutdownRequested.
 */
export interface RecordProcessor {
  initialize?(input: InitializeInput): void | Promise<void>;
  /** A rejection is reported as an error event and the same batch is delivered again after a back-off. */
  processRecords(input: ProcessRecordsInput): void | Promise<void>;
  /** Another worker holds the lease now: stop, and do not checkpoint (it would fail). */
  leaseLost?(): void | Promise<void>;
  /** Every record of the shard was delivered: the processor must call `checkpointer.checkpoint()`. */
  shardEnded(input: { readonly checkpointer: Checkpointer }): void | Promise<void>;
  /** The worker is stopping gracefully: last chance to checkpoint what was processed. */
  shutdownRequested?(input: { readonly checkpointer: Checkpointer }): void | Promise<void>;
}

export type ConsumerEvent =
  | { readonly type: 'leaseTaken'; readonly shardId: string; readonly previousOwner: string | undefined }
  | { readonly type: 'leaseLost'; readonly shardId: string }
  | { readonly type: 'leaseReleased'; readonly shardId: string }
  | {
      readonly type: 'checkpointed';
      readonly shardId: string;
      readonly checkpoint: string;
      readonly subSequenceNumber: number;
    }
  | { readonly type: 'shardEnded'; readonly shardId: string; readonly childShardIds: readonly string[] }
  | { readonly type: 'error'; readonly error: unknown; readonly shardId?: string; readonly during: ErrorContext };

export type ErrorContext =
  | 'shard-sync'
  | 'lease-taking'
  | 'lease-renewal'
  | 'fetching'
  | 'initialize'
  | 'processRecords'
  | 'checkpoint'
  | 'shardEnded'
  | 'leaseLost'
  | 'shutdownRequested'
  | 'release';

/** A checkpoint was refused because another worker holds the lease now. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** The checkpoint position is not one this processor may checkpoint. */
export class InvalidCheckpointError extends Error {
  override readonly name = 'InvalidCheckpointError';
}
