import { createHash } from 'node:crypto';
import type { UserRecord } from './kpl-format.js';

/** Kinesis hash keys are 128-bit unsigned integers (PutRecord's ExplicitHashKey is 0 .. 2^128 - 1). */
export const hashKeyMax = (1n << 128n) - 1n;

/** ExplicitHashKey on the wire: a decimal of up to 39 digits (AWS's pattern `0|([1-9]\d{0,38})`). */
const explicitHashKeyPattern = /^(0|[1-9]\d{0,38})$/;

export class InvalidHashKeyError extends Error {
  override readonly name = 'InvalidHashKeyError';
}

/** Parses a decimal ExplicitHashKey; throws `InvalidHashKeyError` when it is not one. */
export function parseExplicitHashKey(text: string): bigint {
  if (!explicitHashKeyPattern.test(text)) throw new InvalidHashKeyError(`invalid ExplicitHashKey: ${text}`);
  const value = BigInt(text);
  if (value > hashKeyMax) throw new InvalidHashKeyError(`ExplicitHashKey exceeds 2^128 - 1: ${text}`);
  return value;
}

/** MD5 of the UTF-8 partition key as an unsigned big-endian integer: how Kinesis routes a record. */
export function partitionKeyHash(partitionKey: string): bigint {
  const digest = createHash('md5').update(partitionKey, 'utf8').digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

/** The 128-bit hash key a user record routes by: its ExplicitHashKey if set, else MD5(partitionKey). */
export function effectiveHashKey(record: UserRecord): bigint {
  return record.explicitHashKey !== undefined
    ? parseExplicitHashKey(record.explicitHashKey)
    : partitionKeyHash(record.partitionKey);
}
