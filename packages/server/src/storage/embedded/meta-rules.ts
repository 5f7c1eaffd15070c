/**
 * Rules every MetaStore implementation shares, so the memory and LMDB stores cannot drift apart:
 * which keys and values are allowed, and in what order keys are listed.
 *
 * Versions are store-wide revisions (as in NATS JetStream KV, the cluster backend): every
 * successful put or remove takes the next number of one counter, so a key's version strictly
 * increases, and a key that is removed and created again never repeats an old version. A reader
 * that remembered a version can therefore never overwrite a newer incarnation of the key (the ABA
 * problem that per-key counters starting at 1 would have, e.g. for leases).
 */
import assert from 'node:assert/strict';

/**
 * lmdb-js refuses string keys above 1978 UTF-8 bytes ("Key size is larger than the maximum key
 * size (1978)", measured with lmdb 3.5.6). Callers must validate user input (e.g. a 2048-character
 * ResourceARN) against this before building a key from it.
 */
export const metaKeyBytesMax = 1978;

export function assertMetaKey(key: string): void {
  assert.ok(key.length > 0, 'meta keys are non-empty');
  assert.ok(Buffer.byteLength(key, 'utf8') <= metaKeyBytesMax, 'meta key longer than metaKeyBytesMax');
}

/**
 * Values must be plain JSON (objects, arrays, strings, finite numbers, booleans, null), because
 * that is all both stores can round-trip identically.
 */
export function assertJsonValue(value: unknown): void {
  assert.ok(isJsonValue(value, 0), 'meta values are plain JSON');
}

/** Deeper values are certainly a bug (metadata documents are a few levels deep). */
const jsonDepthMax = 64;

function isJsonValue(value: unknown, depth: number): boolean {
  if (depth > jsonDepthMax) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value).every((item) => isJsonValue(item, depth + 1));
}

/** Key order of `list`: UTF-8 byte order, which is the order LMDB stores string keys in. */
export function compareMetaKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
}

export function assertExpectedVersion(expectedVersion: number | null | undefined): void {
  if (expectedVersion === null || expectedVersion === undefined) return;
  assert.ok(Number.isSafeInteger(expectedVersion) && expectedVersion > 0, 'versions are positive integers');
}
