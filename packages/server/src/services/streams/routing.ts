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

export function shardFor(stream: StreamState, hashKey: bigint): ShardState {
  for (const shard of stream.shards) {
    if (isOpen(shard) && hashKey >= BigInt(shard.startingHashKey) && hashKey <= BigInt(shard.endingHashKey)) {
      return shard;
    }
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
