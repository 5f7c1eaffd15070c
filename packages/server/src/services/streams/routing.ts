/** Where a record goes: the open shard whose hash-key range holds its hash key. */
import type { StreamsContext } from './context.js';
import { streamErrors } from './errors.js';
import { hashKeyMax, hashKeyOf } from './hash-keys.js';
import type { ShardState, StreamState } from './state.js';
import { isOpen } from './state.js';

export function recordHashKey(partitionKey: string, explicitHashKey: string | undefined): bigint {
  if (explicitHashKey === undefined) return hashKeyOf(partitionKey);
  const value = BigInt(explicitHashKey);
  if (value > hashKeyMax) throw streamErrors.invalidExplicitHashKey(explicitHashKey);
  return value;
}

interface ParsedRange {
  readonly startingText: string;
  readonly endingText: string;
  readonly start: bigint;
  readonly end: bigint;
}

/**
 * Each shard's hash-key range as bigints, parsed once instead of twice per record routed (two
 * 39-digit strings per shard per record). Keyed by the shard object; the texts are kept to notice
 * a shard object whose range was replaced.
 */
const parsedRanges = new WeakMap<ShardState, ParsedRange>();

function rangeOf(shard: ShardState): ParsedRange {
  const cached = parsedRanges.get(shard);
  if (
    cached !== undefined &&
    cached.startingText === shard.startingHashKey &&
    cached.endingText === shard.endingHashKey
  ) {
    return cached;
  }
  const parsed = {
    startingText: shard.startingHashKey,
    endingText: shard.endingHashKey,
    start: BigInt(shard.startingHashKey),
    end: BigInt(shard.endingHashKey),
  };
  parsedRanges.set(shard, parsed);
  return parsed;
}

export function shardFor(stream: StreamState, hashKey: bigint): ShardState {
  for (const shard of stream.shards) {
    if (!isOpen(shard)) continue;
    const range = rangeOf(shard);
    if (hashKey >= range.start && hashKey <= range.end) return shard;
  }
  // The open shards always tile the whole space; reaching here is a bug, not bad input.
  throw new Error(`no open shard of ${stream.name} covers hash key ${hashKey}`);
}

/** AWS counts the data blob plus the partition key's bytes against record size and throughput limits. */
export function recordSizeBytes(data: Buffer, partitionKey: string): number {
  return data.length + Buffer.byteLength(partitionKey, 'utf8');
}

export function checkRecordSize(
  context: StreamsContext,
  stream: StreamState,
  data: Buffer,
  partitionKey: string,
): void {
  const sizeBytes = recordSizeBytes(data, partitionKey);
  if (sizeBytes > stream.maxRecordSizeKiB * 1024) {
    void context;
    throw streamErrors.recordTooLarge(sizeBytes, stream.maxRecordSizeKiB, stream.name);
  }
}
