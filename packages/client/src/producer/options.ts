/** ProducerOptions with defaults applied and bounds checked. */
import { kinesisRecordSizeBytesMax } from '../aggregation/index.js';
import type { BatchLimits } from './batch.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry.js';
import type { StreamTarget } from './shard-map.js';
import { type ProducerOptions, putRecordsBytesMax, putRecordsRecordsMax } from './types.js';

export const producerDefaults = {
  lingerMs: 50,
  maxBufferedBytes: 64 * 1_048_576,
  maxBufferedRecords: 100_000,
  maxInFlightRequests: 8,
  shardMapRefreshMs: 60_000,
  metricsIntervalMs: 60_000,
};

export interface ResolvedOptions {
  readonly target: StreamTarget;
  readonly limits: BatchLimits;
  /** The most a user record may weigh (data + partition key): the record limit, and one request. */
  readonly recordBytesMax: number;
  readonly maxBufferedBytes: number;
  readonly maxBufferedRecords: number;
  readonly maxInFlightRequests: number;
  readonly retry: RetryPolicy;
  readonly random: () => number;
  readonly shardMapRefreshMs: number;
  readonly metricsIntervalMs: number;
}

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer in [1, ${max}]`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number`);
  return value;
}

export function resolveOptions(options: ProducerOptions): ResolvedOptions {
  if (!options.streamName && !options.streamARN) throw new TypeError('Producer needs a streamName or a streamARN');
  const maxRecordBytes = positiveInteger('maxRecordBytes', options.maxRecordBytes ?? kinesisRecordSizeBytesMax);
  const aggregation = options.aggregation;
  const aggregateBytesMax =
    aggregation === undefined || aggregation === false
      ? undefined
      : positiveInteger(
          'aggregation.maxBytes',
          (aggregation === true ? undefined : aggregation.maxBytes) ?? kinesisRecordSizeBytesMax,
          kinesisRecordSizeBytesMax,
        );
  const limits: BatchLimits = {
    recordsMax: positiveInteger(
      'maxRecordsPerRequest',
      options.maxRecordsPerRequest ?? putRecordsRecordsMax,
      putRecordsRecordsMax,
    ),
    bytesMax: positiveInteger(
      'maxBytesPerRequest',
      options.maxBytesPerRequest ?? putRecordsBytesMax,
      putRecordsBytesMax,
    ),
    lingerMs: nonNegative('lingerMs', options.lingerMs ?? producerDefaults.lingerMs),
    aggregateBytesMax: aggregateBytesMax === undefined ? undefined : Math.min(aggregateBytesMax, maxRecordBytes),
    perKeyOrdering: options.ordering === 'per-key',
  };
  return {
    target: { streamName: options.streamName, streamARN: options.streamARN },
    limits,
    recordBytesMax: Math.min(maxRecordBytes, limits.bytesMax),
    maxBufferedBytes: positiveInteger(
      'maxBufferedBytes',
      options.maxBufferedBytes ?? producerDefaults.maxBufferedBytes,
    ),
    maxBufferedRecords: positiveInteger(
      'maxBufferedRecords',
      options.maxBufferedRecords ?? producerDefaults.maxBufferedRecords,
    ),
    maxInFlightRequests: positiveInteger(
      'maxInFlightRequests',
      options.maxInFlightRequests ?? producerDefaults.maxInFlightRequests,
    ),
    retry: {
      baseMs: nonNegative('retry.baseMs', options.retry?.baseMs ?? defaultRetryPolicy.baseMs),
      capMs: nonNegative('retry.capMs', options.retry?.capMs ?? defaultRetryPolicy.capMs),
      maxAttempts: positiveInteger('retry.maxAttempts', options.retry?.maxAttempts ?? defaultRetryPolicy.maxAttempts),
    },
    random: options.random ?? Math.random,
    shardMapRefreshMs: nonNegative(
      'shardMapRefreshMs',
      options.shardMapRefreshMs ?? producerDefaults.shardMapRefreshMs,
    ),
    metricsIntervalMs: positiveInteger(
      'metricsIntervalMs',
      options.metricsIntervalMs ?? producerDefaults.metricsIntervalMs,
    ),
  };
}
