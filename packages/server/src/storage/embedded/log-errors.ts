/**
 * Storage faults of the embedded log, as typed errors the caller must handle. Programmer errors
 * (bad arguments) are assertions instead and are not listed here.
 */

export interface CorruptLogDetails {
  readonly streamKey: string;
  readonly shardIndex: number;
  /** Path of the segment file that holds the corrupt bytes. */
  readonly segment: string;
  /** The corrupt byte range [byteStart, byteEnd) within that file. */
  readonly byteStart: number;
  readonly byteEnd: number;
  readonly reason: string;
}

/** Committed log bytes failed verification; they are never served. */
export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError';

  constructor(readonly details: CorruptLogDetails) {
    super(
      `corrupt log data in ${details.segment} bytes [${details.byteStart}, ${details.byteEnd}) ` +
        `of stream ${details.streamKey} shard ${details.shardIndex}: ${details.reason}`,
    );
  }
}

/** The shard log (or the whole store) was closed; nothing more can be appended or read. */
export class LogClosedError extends Error {
  override readonly name = 'LogClosedError';

  constructor(streamKey: string, shardIndex: number) {
    super(`the log of stream ${streamKey} shard ${shardIndex} is closed`);
  }
}

/**
 * A write or sync failed. After a failed fsync the kernel may have dropped the dirty pages, so the
 * bytes past the last successful sync are unknown: the shard refuses every later append until it
 * is reopened, when recovery re-validates its tail. Appends rejected with this error may or may
 * not be in the log after reopening (as with any failed Kinesis write, the client retries).
 */
export class LogWriteFailedError extends Error {
  override readonly name = 'LogWriteFailedError';

  constructor(streamKey: string, shardIndex: number, cause: unknown) {
    super(`writing the log of stream ${streamKey} shard ${shardIndex} failed`, { cause });
  }
}
