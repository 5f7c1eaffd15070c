import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisRecordPayload, UserRecord } from '../aggregation/index.js';
import type { ProducerMetrics } from './metrics.js';
import type { RetryOptions } from './retry.js';

/** Limits of PutRecords (Kinesis API reference, PutRecords): 500 records and 5 MiB per request. */
export const putRecordsRecordsMax = 500;
export const putRecordsBytesMax = 5 * 1_048_576;
/** A partition key is 1 to 256 characters (PutRecordsRequestEntry.PartitionKey). */
export const partitionKeyLengthMax = 256;

export interface ProducerOptions {
  /** The SDK client calls go through: the same producer runs against Tributary and AWS. */
  readonly kinesis: KinesisClient;
  /** The stream, by name or ARN (one of them). */
  readonly streamName?: string;
  readonly streamARN?: string;
  /** How long a record may wait for companions before its batch is sent. Default 50. */
  readonly lingerMs?: number;
  /** Kinesis records per PutRecords call, at most 500 (the default). */
  readonly maxRecordsPerRequest?: number;
  /** Bytes (data + partition keys) per PutRecords call, at most 5 MiB (the default). */
  readonly maxBytesPerRequest?: number;
  /** The stream's record size limit, data + partition key. Default 1 MiB (Kinesis's default). */
  readonly maxRecordBytes?: number;
  /** Pack user records of the same shard into KPL aggregates. */
  readonly aggregation?: boolean | { readonly maxBytes?: number };
  /** Back-pressure: user-record bytes (data + partition key) buffered at most. Default 64 MiB. */
  readonly maxBufferedBytes?: number;
  /** Back-pressure: user records buffered at most. Default 100,000. */
  readonly maxBufferedRecords?: number;
  /** PutRecords calls in flight at once. Default 8. */
  readonly maxInFlightRequests?: number;
  /**
   * 'per-key': a partition key is in at most one PutRecords call in flight, and in at most one
   * Kinesis record of it, so a retried record is never overtaken by a later record of its key.
   */
  readonly ordering?: 'none' | 'per-key';
  readonly retry?: RetryOptions;
  /** Randomness for backoff jitter (tests pass a seeded one). Default Math.random. */
  readonly random?: () => number;
  /** How often the shard map is listed again even without signs of resharding. Default 60,000. */
  readonly shardMapRefreshMs?: number;
  /** Called every `metricsIntervalMs` (default 60,000) with the metrics. */
  readonly onMetrics?: (metrics: ProducerMetrics) => void;
  readonly metricsIntervalMs?: number;
}

/** What a put resolves with once Kinesis acknowledged the record. */
export interface PutResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The record's index inside the KPL aggregate that carried it; absent for a plain record. */
  readonly subSequenceNumber?: number;
}

/** A record the producer holds from admission until it is acknowledged or fails. */
export interface PendingRecord {
  readonly sequence: number;
  readonly record: UserRecord;
  /** Data plus UTF-8 partition key. */
  readonly sizeBytes: number;
  readonly hashKey: bigint;
  readonly putAtMs: number;
  /** The open shard the record is predicted to land on. */
  shardId: string;
  /** Attempts that failed so far. */
  failures: number;
  notBeforeMs: number;
  readonly resolve: (result: PutResult) => void;
  readonly reject: (error: Error) => void;
  /** Called when a record that waited for room is buffered (enqueue waits on it). */
  onAdmitted: (() => void) | undefined;
}

/** One entry of a PutRecords call: a plain user record or an aggregate of several. */
export interface BatchEntry {
  readonly payload: KinesisRecordPayload;
  readonly users: readonly PendingRecord[];
  readonly aggregated: boolean;
  /** The shard the entry was routed to. */
  readonly shardId: string;
  readonly sizeBytes: number;
}

export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError';
  constructor() {
    super('the producer is closed');
  }
}

/** A record Kinesis would refuse (empty or long partition key, too big, bad explicit hash key). */
export class RecordValidationError extends Error {
  override readonly name = 'RecordValidationError';
}

/** A record Kinesis did not accept: a permanent error, or retries exhausted. */
export class RecordFailedError extends Error {
  override readonly name = 'RecordFailedError';
  readonly errorCode: string;
  readonly attempts: number;
  constructor(errorCode: string, message: string, attempts: number, cause?: unknown) {
    super(`${errorCode}: ${message} (after ${attempts} attempt${attempts === 1 ? '' : 's'})`, { cause });
    this.errorCode = errorCode;
    this.attempts = attempts;
  }
}
