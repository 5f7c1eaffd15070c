/** What every part of one shard's log needs to know: where it lives, its settings, its reporting. */
import type { DurabilityPolicy } from '../ports.js';
import type { LogFileSystem } from './file-system.js';
import { CorruptLogError } from './log-errors.js';

/**
 * What recovery found and did. Reported through `onRecovery`, never dropped: a truncated tail is
 * lost data (acknowledged data only under `--durability os`, or after disk damage), and a rebuilt
 * index means a file was damaged or removed.
 */
export type RecoveryReport =
  | {
      readonly kind: 'tail-truncated';
      readonly streamKey: string;
      readonly shardIndex: number;
      /** Path of the segment file that was truncated. */
      readonly segment: string;
      /** Bytes kept: the file now ends here. */
      readonly validBytes: number;
      /** Bytes removed after validBytes. */
      readonly truncatedBytes: number;
      /**
       * Records of the batches cut away whose headers could still be read (see cut-records.ts): a
       * batch torn inside its 40-byte header is not counted. Under `fsync` none was acknowledged.
       */
      readonly recordCount: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'index-rebuilt';
      readonly streamKey: string;
      readonly shardIndex: number;
      /** Path of the segment whose `.index` file was discarded and rebuilt by scanning. */
      readonly segment: string;
      readonly reason: string;
    };

export interface ShardContext {
  readonly streamKey: string;
  readonly shardIndex: number;
  /** The shard's directory, holding its segment and index files. */
  readonly directory: string;
  readonly fileSystem: LogFileSystem;
  readonly durability: DurabilityPolicy;
  readonly segmentBytesMax: number;
  readonly indexIntervalBytes: number;
  readonly appendQueueBytesMax: number;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  readonly report: (report: RecoveryReport) => void;
}

/** Where the damage is: a byte range, and the batch's record count and first offset when known. */
export interface DamagedRange {
  readonly byteStart: number;
  readonly byteEnd: number;
  readonly recordCount?: number;
  readonly firstOffset?: number;
}

export function corruptLogError(
  context: ShardContext,
  segment: string,
  range: DamagedRange,
  reason: string,
): CorruptLogError {
  return new CorruptLogError({
    streamKey: context.streamKey,
    shardIndex: context.shardIndex,
    segment,
    ...range,
    reason,
  });
}
