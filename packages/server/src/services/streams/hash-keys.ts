/** The 128-bit hash-key space that partition keys map into, and how shards tile it. */
import { createHash } from 'node:crypto';

export const hashKeyMax = (1n << 128n) - 1n;

/** AWS maps a partition key to a shard by the MD5 of its UTF-8 bytes, read as a 128-bit integer. */
export function hashKeyOf(partitionKey: string): bigint {
  const digest = createHash('md5').update(partitionKey, 'utf8').digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

export interface HashKeyRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** Splits the whole space into `count` contiguous ranges the way AWS's CreateStream does. */
export function evenRanges(count: number): HashKeyRange[] {
  const width = (hashKeyMax + 1n) / BigInt(count);
  const ranges: HashKeyRange[] = [];
  for (let index = 0; index < count; index++) {
    const start = width * BigInt(index);
    const end = index === count - 1 ? hashKeyMax : width * BigInt(index + 1) - 1n;
    ranges.push({ start, end });
  }
  return ranges;
}
