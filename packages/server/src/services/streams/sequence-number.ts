/**
 * Sequence-number layout (see docs/sequence-numbers.md). A sequence number is a bigint written as
 * a decimal string of 56 digits, like AWS's:
 *
 *   bits 184..185  version (2)
 *   bits 136..183  shard epoch: the millisecond the shard was created (48 bits)
 *   bits 104..135  shard index (32 bits)
 *   bits  64..103  reserved, zero (40 bits)
 *   bits   0..63   offset of the record inside the shard's log (64 bits)
 *
 * Within a shard numbers grow with the offset, never with a rounded clock. A child shard is
 * created after its parents with a strictly greater epoch, so every number in a child exceeds
 * every number in its parents, which is what KCL relies on after resharding.
 */
export const sequenceVersion = 2n;
const versionShift = 184n;
const epochShift = 136n;
const shardIndexShift = 104n;
const epochMask = (1n << 48n) - 1n;
const shardIndexMask = (1n << 32n) - 1n;
const offsetMask = (1n << 64n) - 1n;

export interface SequenceParts {
  readonly shardEpochMs: number;
  readonly shardIndex: number;
  readonly offset: number;
}

export function encodeSequence(parts: SequenceParts): bigint {
  return (
    (sequenceVersion << versionShift) |
    (BigInt(parts.shardEpochMs) << epochShift) |
    (BigInt(parts.shardIndex) << shardIndexShift) |
    BigInt(parts.offset)
  );
}

export function sequenceString(parts: SequenceParts): string {
  return encodeSequence(parts).toString();
}

/** Returns undefined for numbers that are not of this layout (e.g. from another system). */
export function decodeSequence(text: string): SequenceParts | undefined {
  if (!/^(0|[1-9]\d{0,128})$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >> versionShift !== sequenceVersion) return undefined;
  const offset = value & offsetMask;
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return {
    shardEpochMs: Number((value >> epochShift) & epochMask),
    shardIndex: Number((value >> shardIndexShift) & shardIndexMask),
    offset: Number(offset),
  };
}

/**
 * The number just below every record of a shard: version 1 with the shard's epoch and index. It is
 * the ContinuationSequenceNumber of a subscription that has sent nothing and stands before the
 * shard's first record (offset 0): AFTER_SEQUENCE_NUMBER of it must start at offset 0, which no
 * record's number can express, and it must compare below the shard's records, as KCL's
 * checkpoints compare them (every version-2 number is larger).
 */
export function shardStartMarker(shardEpochMs: number, shardIndex: number): string {
  return (encodeSequence({ shardEpochMs, shardIndex, offset: 0 }) - (1n << versionShift)).toString();
}

/** The shard a shardStartMarker names (offset 0), or undefined for any other number. */
export function decodeShardStartMarker(text: string): SequenceParts | undefined {
  if (!/^[1-9]\d{0,128}$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value >> versionShift !== sequenceVersion - 1n || (value & offsetMask) !== 0n) return undefined;
  const parts = decodeSequence((value + (1n << versionShift)).toString());
  return parts?.offset === 0 ? parts : undefined;
}

const lowDigits = 15;
const lowModulus = 10n ** BigInt(lowDigits);
const lowLimit = 10 ** lowDigits;

/**
 * sequenceString for many offsets of one shard, without a BigInt per record: the decimal string
 * of the number at one offset is split into its last 15 digits (a safe integer) and the digits
 * before them; nearby offsets only change the low part. Identical strings to sequenceString.
 */
export function sequenceFormatter(shardEpochMs: number, shardIndex: number): (offset: number) => string {
  let baseOffset = -1;
  let high = '';
  let low = 0;
  const rebase = (offset: number): void => {
    const value = encodeSequence({ shardEpochMs, shardIndex, offset });
    baseOffset = offset;
    const quotient = value / lowModulus;
    high = quotient === 0n ? '' : quotient.toString();
    low = Number(value % lowModulus);
  };
  return (offset) => {
    let delta = offset - baseOffset;
    if (baseOffset < 0 || delta < 0 || low + delta >= lowLimit) {
      rebase(offset);
      delta = 0;
    }
    const digits = String(low + delta);
    return high === '' ? digits : high + digits.padStart(lowDigits, '0');
  };
}
