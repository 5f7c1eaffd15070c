/**
 * Every limit of the embedded log, in one place, each with its unit in its name and its reason.
 * The relationships between them are asserted by `assertLogLimits`, which the store runs at
 * construction, so a bad combination fails at start-up instead of corrupting a file later.
 */
import assert from 'node:assert/strict';

const kibibyte = 1024;
const mebibyte = 1024 * kibibyte;

/**
 * Segments roll at this size. Kafka defaults to 1 GiB; smaller segments make retention (which
 * deletes whole segments) finer-grained and bound the bytes a crash recovery re-scans.
 */
export const segmentBytesMaxDefault = 64 * mebibyte;

/** Index positions are u32 (see docs/storage-format.md), so no batch may start beyond 4 GiB. */
export const segmentBytesMaxLimit = 0xffff_ffff;

/** Kafka's `log.index.interval.bytes` default: a lookup scans at most ~4 KiB plus one batch. */
export const indexIntervalBytesDefault = 4 * kibibyte;

/**
 * The largest batch the log accepts or will believe when reading a header. Above the largest
 * Kinesis write (PutRecords: 10 MiB of data and keys in 500 records, plus our per-record
 * overhead); a length field beyond it is treated as corruption, so a flipped bit in a header can
 * never make recovery allocate gigabytes.
 */
export const batchBytesMax = 32 * mebibyte;

/**
 * Encoded bytes an individual shard may hold queued or in flight before further appends wait.
 * Bounds the memory of a shard whose disk is slower than its writers.
 */
export const appendQueueBytesMaxDefault = 64 * mebibyte;

/** Scans (recovery, index rebuilds) read segments in chunks of this size, doubling as they go. */
export const readChunkBytesInitial = 1 * mebibyte;

/**
 * Reads size their first chunk from the records they may return; never below this, so a small
 * read still costs one system call for the batches around its index entry.
 */
export const readChunkBytesMin = 64 * kibibyte;

/** Chunks grow up to this (a batch larger than it is read whole). */
export const readChunkBytesMax = 16 * mebibyte;

/**
 * Reads of records (GetRecords, subscriptions) fetch at most this per chunk (a larger batch is
 * read whole): a 10 MiB GetRecords answer then sits on several chunks, and each goes back to the
 * pool as soon as the answer's pieces have copied its records, instead of all of them once the
 * last piece is out (docs/decisions/0005).
 */
export const recordReadChunkBytesMax = 2 * mebibyte;

/**
 * Real file handles one store keeps open for its segment and index files; the least recently
 * used are closed beyond it and reopened on demand (file-handle-cache.ts). Every segment keeps a
 * LogFile, and retention-era shards hold thousands of segments, so without a cap the segment
 * count would become the descriptor count. 1024 is the usual default soft RLIMIT_NOFILE on Linux;
 * Node raises the soft limit to the hard one at start-up, which leaves room for sockets and LMDB.
 * Handles with unsynced writes or an operation in flight are never closed, so a store can exceed
 * the cap by the number of active segments being written.
 */
export const openSegmentFilesMaxDefault = 1024;

/** The record entry stores the partition key length as a u16. */
export const partitionKeyBytesMax = 0xffff;

/** Shard directories are named by the shard index padded to six digits. */
export const shardIndexMax = 999_999;

/** Stream keys become directory names, so they are restricted to a path-safe alphabet. */
export const streamKeyPattern = /^[a-z0-9-]{1,64}$/;

export interface LogLimits {
  readonly segmentBytesMax: number;
  readonly indexIntervalBytes: number;
  readonly appendQueueBytesMax: number;
}

export function assertLogLimits(limits: LogLimits): void {
  assert.ok(
    Number.isSafeInteger(limits.segmentBytesMax) && limits.segmentBytesMax > 0,
    'segmentBytesMax must be a positive integer',
  );
  assert.ok(limits.segmentBytesMax <= segmentBytesMaxLimit, 'segmentBytesMax must fit the u32 positions of the index');
  assert.ok(
    Number.isSafeInteger(limits.indexIntervalBytes) && limits.indexIntervalBytes > 0,
    'indexIntervalBytes must be a positive integer',
  );
  // Every queued batch must be admissible once the queue is empty, or an append could wait forever.
  assert.ok(limits.appendQueueBytesMax >= batchBytesMax, 'appendQueueBytesMax must hold the largest batch');
  assert.ok(
    readChunkBytesMin <= readChunkBytesInitial && readChunkBytesInitial <= readChunkBytesMax,
    'read chunk sizes are ordered',
  );
}
