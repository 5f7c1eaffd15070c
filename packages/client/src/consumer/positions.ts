/**
 * Positions inside a shard: a sequence number (compared as a big integer, never as text) and a
 * sub-sequence number inside a KPL aggregate, as KCL's ExtendedSequenceNumber.
 */

export interface ExtendedSequenceNumber {
  readonly sequenceNumber: bigint;
  readonly subSequenceNumber: number;
}

/** The lease checkpoint values that are not sequence numbers. */
export const sentinels = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'SHARD_END'] as const;
export type Sentinel = (typeof sentinels)[number];

const sequenceNumberPattern = /^(0|[1-9]\d{0,128})$/;

export function isSequenceNumber(text: string): boolean {
  return sequenceNumberPattern.test(text);
}

export function isSentinel(text: string): text is Sentinel {
  return (sentinels as readonly string[]).includes(text);
}

/** Negative when `a` comes before `b`. */
export function compareExtended(a: ExtendedSequenceNumber, b: ExtendedSequenceNumber): number {
  if (a.sequenceNumber !== b.sequenceNumber) return a.sequenceNumber < b.sequenceNumber ? -1 : 1;
  return a.subSequenceNumber - b.subSequenceNumber;
}

/** The position a lease checkpoint names, or undefined for a sentinel. */
export function checkpointPosition(checkpoint: string, subSequenceNumber: number): ExtendedSequenceNumber | undefined {
  if (!isSequenceNumber(checkpoint)) return undefined;
  return { sequenceNumber: BigInt(checkpoint), subSequenceNumber };
}
