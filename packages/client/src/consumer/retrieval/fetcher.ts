/** What both retrieval modes produce: batches of Kinesis records from one shard, in order. */
import type { _Record, ChildShard } from '@aws-sdk/client-kinesis';
import type { ErrorContext } from '../types.js';

export interface FetchedBatch {
  readonly records: readonly _Record[];
  readonly millisBehindLatest: number;
  /** True on the last batch of a closed shard: every record has been read. */
  readonly shardEnded: boolean;
  /** The shards that continue this one (set with shardEnded). */
  readonly childShards: readonly ChildShard[];
}

/** Where reading starts, in Kinesis' terms. */
export type StartingPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AT_TIMESTAMP'; readonly timestamp: Date }
  | { readonly type: 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

/**
 * Reads a shard from `start`, batch after batch, until the shard ends or `signal` aborts. The next
 * read starts only when the caller asks for the next batch, so at most one batch is in flight.
 * Errors worth retrying are reported through `onError` and retried with back-off.
 */
export type ShardFetcher = (
  shardId: string,
  start: StartingPosition,
  signal: AbortSignal,
) => AsyncGenerator<FetchedBatch, void, undefined>;

export type FetchErrorReporter = (error: unknown, during: ErrorContext, shardId: string) => void;
