/**
 * The byte layout of one record batch (one `append()`), the unit the log writes, checksums and
 * recovers. docs/storage-format.md has the same tables; a change here is a format change.
 *
 * All integers little-endian except the hash key.
 *
 * Batch header (40 bytes)
 *   offset size field
 *        0    4 magic            0x54524942
 *        4    4 batchBytes       whole batch including this header
 *        8    4 checksum         CRC32C of bytes [12, batchBytes)
 *       12    1 formatVersion    1
 *       13    1 flags            bit 0: records sealed (AES-256-GCM, see batch-crypto.ts); others 0
 *       14    2 reserved         0
 *       16    8 baseOffset       offset of the first record
 *       24    4 recordCount      ≥ 1
 *       28    8 arrivalMs        shared by every record of the batch
 *       36    4 dataKeyId        the data key a sealed batch is sealed under; 0 when plain
 *
 * Record entry (24 bytes, then the key and the data), repeated recordCount times
 *        0    4 dataBytes
 *        4    2 partitionKeyBytes  UTF-8 length
 *        6    1 flags              0
 *        7    1 reserved           0
 *        8   16 hashKey            unsigned 128-bit, big-endian
 *       24    … partition key (UTF-8), then data
 *
 * A sealed batch keeps the header in the clear (recovery, index rebuilds, timestamp lookups and
 * checksums need no key) and replaces the record entries by nonce, ciphertext and tag.
 */
import assert from 'node:assert/strict';
import type { AppendRecord, LogRecord } from '../ports.js';
import { crc32c } from './crc32c.js';
import { batchBytesMax, partitionKeyBytesMax } from './log-limits.js';

export const batchMagic = 0x54524942;
export const batchFormatVersion = 1;
export const batchHeaderBytes = 40;
export const recordEntryBytes = 24;
/** Flags bit 0: the record entries are sealed under the data key named by `dataKeyId`. */
export const batchFlagSealed = 0x01;
const knownFlags = batchFlagSealed;
/** The checksum covers everything after its own field. */
const checksummedFrom = 12;

const hashKeyLimit = 1n << 128n;
const low64Mask = (1n << 64n) - 1n;
const twoPow32 = 0x1_0000_0000;

export interface BatchHeader {
  readonly batchBytes: number;
  readonly checksum: number;
  readonly formatVersion: number;
  readonly flags: number;
  readonly baseOffset: number;
  readonly recordCount: number;
  readonly arrivalMs: number;
  /** The data key of a sealed batch (0 for a plain one). */
  readonly dataKeyId: number;
}

/** Why bytes that should hold a batch do not. Recovery reports it; reads put it in CorruptLogError. */
export type BatchDefect =
  | 'short-header'
  | 'bad-magic'
  | 'bad-length'
  | 'bad-record-count'
  | 'offset-out-of-range'
  | 'torn-batch'
  | 'bad-checksum'
  | 'unexpected-offset'
  | 'bad-record-layout'
  | 'unsupported-format'
  | 'bad-seal';

/** The encoded size of a batch; asserts the per-record limits of the format. */
export function measureBatchBytes(records: readonly AppendRecord[]): number {
  assert.ok(records.length > 0, 'a batch holds at least one record');
  let totalBytes = batchHeaderBytes;
  for (const record of records) {
    const partitionKeyBytes = Buffer.byteLength(record.partitionKey, 'utf8');
    assert.ok(partitionKeyBytes <= partitionKeyBytesMax, 'partition key longer than the format allows');
    assert.ok(record.hashKey >= 0n && record.hashKey < hashKeyLimit, 'hash key outside [0, 2^128)');
    totalBytes += recordEntryBytes + partitionKeyBytes + record.data.length;
  }
  assert.ok(totalBytes <= batchBytesMax, `batch of ${totalBytes} bytes exceeds batchBytesMax`);
  return totalBytes;
}

export interface BatchIdentity {
  readonly baseOffset: number;
  readonly arrivalMs: number;
  /** From `measureBatchBytes`. */
  readonly batchBytes: number;
}

/** Encodes the records into one buffer, checksum included. */
export function encodeBatch(records: readonly AppendRecord[], identity: BatchIdentity): Buffer {
  const bytes = Buffer.allocUnsafe(identity.batchBytes);
  bytes.writeUInt32LE(batchMagic, 0);
  bytes.writeUInt32LE(identity.batchBytes, 4);
  bytes.writeUInt8(batchFormatVersion, 12);
  bytes.writeUInt8(0, 13);
  bytes.writeUInt16LE(0, 14);
  writeU64(bytes, 16, identity.baseOffset);
  bytes.writeUInt32LE(records.length, 24);
  writeU64(bytes, 28, identity.arrivalMs);
  bytes.writeUInt32LE(0, 36);
  let position = batchHeaderBytes;
  for (const record of records) {
    const keyStart = position + recordEntryBytes;
    const partitionKeyBytes = bytes.write(record.partitionKey, keyStart, 'utf8');
    bytes.writeUInt32LE(record.data.length, position);
    bytes.writeUInt16LE(partitionKeyBytes, position + 4);
    bytes.writeUInt16LE(0, position + 6);
    bytes.writeBigUInt64BE(record.hashKey >> 64n, position + 8);
    bytes.writeBigUInt64BE(record.hashKey & low64Mask, position + 16);
    record.data.copy(bytes, keyStart + partitionKeyBytes);
    position = keyStart + partitionKeyBytes + record.data.length;
  }
  assert.equal(position, identity.batchBytes, 'batch size was measured from other records');
  bytes.writeUInt32LE(crc32c(bytes, checksummedFrom, identity.batchBytes), 8);
  return bytes;
}

/**
 * Parses and sanity-checks the header at `bytes[start]`. Only checks that need no more than the
 * header: whether the whole batch fits the file, and its checksum, are the caller's next steps.
 */
export function parseBatchHeader(bytes: Buffer, start: number): BatchHeader | BatchDefect {
  if (start + batchHeaderBytes > bytes.length) return 'short-header';
  if (bytes.readUInt32LE(start) !== batchMagic) return 'bad-magic';
  const batchBytes = bytes.readUInt32LE(start + 4);
  const recordCount = bytes.readUInt32LE(start + 24);
  if (recordCount < 1) return 'bad-record-count';
  if (batchBytes > batchBytesMax || batchBytes < batchHeaderBytes + recordCount * recordEntryBytes) return 'bad-length';
  const baseOffset = readU64(bytes, start + 16);
  const arrivalMs = readU64(bytes, start + 28);
  if (baseOffset === undefined || arrivalMs === undefined || !Number.isSafeInteger(baseOffset + recordCount)) {
    return 'offset-out-of-range';
  }
  return {
    batchBytes,
    checksum: bytes.readUInt32LE(start + 8),
    formatVersion: bytes.readUInt8(start + 12),
    flags: bytes.readUInt8(start + 13),
    baseOffset,
    recordCount,
    arrivalMs,
    dataKeyId: bytes.readUInt32LE(start + 36),
  };
}

export function isSealed(header: Pick<BatchHeader, 'flags'>): boolean {
  return (header.flags & batchFlagSealed) !== 0;
}

/** Verifies the checksum and then the format version of a whole batch held in `bytes`. */
export function verifyBatch(bytes: Buffer, start: number, header: BatchHeader): BatchDefect | undefined {
  if (crc32c(bytes, start + checksummedFrom, start + header.batchBytes) !== header.checksum) return 'bad-checksum';
  // Checked after the checksum: an intact batch of an unknown version is not a torn write, and
  // must never be truncated away as one.
  if (header.formatVersion !== batchFormatVersion || (header.flags & ~knownFlags) !== 0) return 'unsupported-format';
  if (isSealed(header) !== (header.dataKeyId !== 0)) return 'unsupported-format';
  return undefined;
}

/** What one read may still return; decoding spends it. */
export interface ReadBudget {
  recordsLeft: number;
  bytesLeft: number;
}

/**
 * Appends the records of a verified batch with offsets in [fromOffset, endOffset) to `out`,
 * spending the budget. Returns false when the budget ran out (the read is complete).
 */
export function decodeBatchRecords(
  bytes: Buffer,
  start: number,
  header: BatchHeader,
  window: { readonly fromOffset: number; readonly endOffset: number },
  budget: ReadBudget,
  out: LogRecord[],
): boolean | 'bad-record-layout' {
  const batchEnd = start + header.batchBytes;
  let position = start + batchHeaderBytes;
  for (let index = 0; index < header.recordCount; index++) {
    const offset = header.baseOffset + index;
    if (offset >= window.endOffset) return true;
    if (position + recordEntryBytes > batchEnd) return 'bad-record-layout';
    const dataBytes = bytes.readUInt32LE(position);
    const partitionKeyBytes = bytes.readUInt16LE(position + 4);
    const keyStart = position + recordEntryBytes;
    const dataStart = keyStart + partitionKeyBytes;
    const recordEnd = dataStart + dataBytes;
    if (recordEnd > batchEnd) return 'bad-record-layout';
    if (offset >= window.fromOffset) {
      const recordBytes = dataBytes + partitionKeyBytes;
      // The first record of a read is returned whatever its size, so a reader always progresses.
      if (out.length > 0 && recordBytes > budget.bytesLeft) return false;
      const record = new StoredRecord(
        offset,
        header.arrivalMs,
        bytes.toString('utf8', keyStart, dataStart),
        // A view, not a copy: the chunk buffer belongs to this read alone.
        bytes.subarray(dataStart, recordEnd),
        bytes,
        position + 8,
      );
      // Plain records keep the plain shape: the flag costs nothing on the common path.
      out.push(isSealed(header) ? sealedRecord(record) : record);
      budget.bytesLeft -= recordBytes;
      budget.recordsLeft -= 1;
      if (budget.recordsLeft <= 0) return false;
    }
    position = recordEnd;
  }
  return position === batchEnd ? true : 'bad-record-layout';
}

/**
 * A record read from a batch. Its hash key is decoded when asked: GetRecords and fan-out never
 * ask, and four BigInts per record were a quarter of decoding time. Like `data`, it reads the read's
 * chunk, so it is valid as long as the records are (until ReadResult.release()).
 */
class StoredRecord implements LogRecord {
  readonly #bytes: Buffer;
  readonly #hashKeyAt: number;
  constructor(
    readonly offset: number,
    readonly arrivalMs: number,
    readonly partitionKey: string,
    readonly data: Buffer,
    bytes: Buffer,
    hashKeyAt: number,
  ) {
    this.#bytes = bytes;
    this.#hashKeyAt = hashKeyAt;
  }
  get hashKey(): bigint {
    return readHashKey(this.#bytes, this.#hashKeyAt);
  }
}

/** A record of a sealed batch: opened into a buffer of its own, so its hash key is read at once. */
function sealedRecord(record: StoredRecord): LogRecord {
  const { offset, arrivalMs, partitionKey, hashKey, data } = record;
  return { offset, arrivalMs, partitionKey, hashKey, data, encrypted: true };
}

/** The unsigned 128-bit big-endian hash key of a record entry at `position`. */
function readHashKey(bytes: Buffer, position: number): bigint {
  return (bytes.readBigUInt64BE(position) << 64n) | bytes.readBigUInt64BE(position + 8);
}

/** Writes a non-negative safe integer as u64 (two u32 halves: no bigint on the hot path). */
export function writeU64(bytes: Buffer, position: number, value: number): void {
  assert.ok(Number.isSafeInteger(value) && value >= 0, 'u64 fields hold non-negative safe integers');
  bytes.writeUInt32LE(value % twoPow32, position);
  bytes.writeUInt32LE(Math.floor(value / twoPow32), position + 4);
}

/** Reads a u64; undefined when it exceeds Number.MAX_SAFE_INTEGER (only corruption does). */
export function readU64(bytes: Buffer, position: number): number | undefined {
  const value = bytes.readUInt32LE(position + 4) * twoPow32 + bytes.readUInt32LE(position);
  return Number.isSafeInteger(value) ? value : undefined;
}
