/**
 * Sealed batches: encryption at rest with AES-256-GCM under a stream's data key. The byte layout
 * is in docs/storage-format.md ("Sealed batch"); batch-crypto.test.ts pins it.
 *
 *   offset        size  field
 *        0          40  batch header, in the clear: flags bit 0 set, dataKeyId at 36
 *       40          12  nonce (random per batch)
 *       52           n  ciphertext of the record entries (same layout as a plain batch's)
 *   52 + n          16  GCM tag
 *
 * The additional authenticated data is the 40-byte header with its checksum field read as zero
 * (the checksum is computed last, over the stored bytes, so it cannot be authenticated itself).
 * So a batch cannot be moved to another offset, time, length or key id without the tag failing,
 * and the CRC32C still covers every stored byte: corruption detection works without the key.
 */
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataKey } from '../ports.js';
import { type BatchHeader, batchFlagSealed, batchHeaderBytes } from './batch-codec.js';
import { crc32c } from './crc32c.js';
import { batchBytesMax } from './log-limits.js';

const cipherName = 'aes-256-gcm';
export const dataKeyBytes = 32;
/**
 * Random 96-bit nonces, the size GCM is built for. NIST SP 800-38D §8.3 bounds random nonces to
 * 2^32 seals per key; every StartStreamEncryption makes a new data key, which resets the count.
 */
export const sealNonceBytes = 12;
export const sealTagBytes = 16;
/** What sealing adds to a plain batch of the same records. */
export const sealOverheadBytes = sealNonceBytes + sealTagBytes;
const dataKeyIdMax = 0xffff_ffff;
const checksumField = { start: 8, end: 12 } as const;
const checksummedFrom = 12;

/**
 * Seals a plain batch (as encodeBatch wrote it) under the data key: same header with the sealed
 * flag, the key id and the new length, then nonce, ciphertext and tag; the checksum is recomputed
 * over the result. `nonce` is for golden-byte tests only.
 */
export function sealBatch(plain: Buffer, dataKey: DataKey, nonce: Buffer = randomBytes(sealNonceBytes)): Buffer {
  assert.equal(dataKey.key.length, dataKeyBytes, 'a data key is 32 bytes');
  assert.ok(Number.isInteger(dataKey.id) && dataKey.id >= 1 && dataKey.id <= dataKeyIdMax, 'data key id in [1, 2^32)');
  assert.equal(nonce.length, sealNonceBytes, 'a nonce is 12 bytes');
  const sealedBytes = plain.length + sealOverheadBytes;
  assert.ok(sealedBytes <= batchBytesMax, `sealed batch of ${sealedBytes} bytes exceeds batchBytesMax`);
  const header = Buffer.from(plain.subarray(0, batchHeaderBytes));
  header.writeUInt32LE(sealedBytes, 4);
  header.writeUInt8(header.readUInt8(13) | batchFlagSealed, 13);
  header.writeUInt32LE(dataKey.id, 36);
  header.fill(0, checksumField.start, checksumField.end);
  const cipher = createCipheriv(cipherName, dataKey.key, nonce);
  cipher.setAAD(header);
  const sealed = Buffer.concat(
    [header, nonce, cipher.update(plain.subarray(batchHeaderBytes)), cipher.final(), cipher.getAuthTag()],
    sealedBytes,
  );
  sealed.writeUInt32LE(crc32c(sealed, checksummedFrom, sealedBytes), checksumField.start);
  return sealed;
}

/** A sealed batch opened into the layout of a plain one, for decodeBatchRecords. */
export interface OpenedBatch {
  readonly bytes: Buffer;
  readonly start: number;
  readonly header: BatchHeader;
}

/**
 * Opens a sealed, checksum-verified batch at `bytes[start]`. 'bad-seal' means the tag did not
 * verify: the key is not the one the batch was sealed under, or the bytes were altered and the
 * checksum forged to match. Either way nothing of the batch may be served.
 */
export function openBatch(bytes: Buffer, start: number, header: BatchHeader, key: Buffer): OpenedBatch | 'bad-seal' {
  const end = start + header.batchBytes;
  const cipherStart = start + batchHeaderBytes + sealNonceBytes;
  const tagStart = end - sealTagBytes;
  if (key.length !== dataKeyBytes || tagStart < cipherStart) return 'bad-seal';
  const aad = Buffer.from(bytes.subarray(start, start + batchHeaderBytes));
  aad.fill(0, checksumField.start, checksumField.end);
  const plainBytes = batchHeaderBytes + (tagStart - cipherStart);
  const plain = Buffer.allocUnsafe(plainBytes);
  aad.copy(plain, 0);
  try {
    const decipher = createDecipheriv(cipherName, key, bytes.subarray(start + batchHeaderBytes, cipherStart));
    decipher.setAAD(aad);
    decipher.setAuthTag(bytes.subarray(tagStart, end));
    const opened = decipher.update(bytes.subarray(cipherStart, tagStart));
    // final() throws when the tag does not verify; until then nothing decrypted is used.
    decipher.final();
    opened.copy(plain, batchHeaderBytes);
  } catch {
    return 'bad-seal';
  }
  return { bytes: plain, start: 0, header: { ...header, batchBytes: plainBytes } };
}
