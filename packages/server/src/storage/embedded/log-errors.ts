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
  /**
   * How many records the damaged batch holds, and the offset of the first, when its header could
   * still be read (the header is checksummed with the rest, so these are what it claims). Absent
   * when the damage starts in the header itself.
   */
  readonly recordCount?: number;
  readonly firstOffset?: number;
}

/** Committed log bytes failed verification; they are never served. */
export class CorruptLogError extends Error {
  override readonly name = 'CorruptLogError';

  constructor(readonly details: CorruptLogDetails) {
    super(
      `corrupt log data in ${details.segment} bytes [${details.byteStart}, ${details.byteEnd}) ` +
        `of stream ${details.streamKey} shard ${details.shardIndex}: ${details.reason}${describeRecords(details)}`,
    );
  }
}

function describeRecords(details: CorruptLogDetails): string {
  const first = details.firstOffset === undefined ? '' : ` from offset ${details.firstOffset}`;
  if (details.recordCount === undefined) return first === '' ? '' : ` (records${first})`;
  return ` (a batch of ${details.recordCount} records${first})`;
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

/**
 * A read reached a sealed batch whose data key the caller did not supply. Nothing of the batch is
 * served; the bytes on disk are intact (their checksum verified), only the key is missing.
 */
export class DataKeyUnavailableError extends Error {
  override readonly name = 'DataKeyUnavailableError';

  constructor(
    readonly streamKey: string,
    readonly shardIndex: number,
    readonly dataKeyId: number,
  ) {
    super(`data key ${dataKeyId} of stream ${streamKey} shard ${shardIndex} is not available`);
  }
}
