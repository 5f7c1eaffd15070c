import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { describe, test } from 'node:test';
import type { LogRecord } from '../ports.js';
import {
  type BatchHeader,
  decodeBatchRecords,
  encodeBatch,
  measureBatchBytes,
  parseBatchHeader,
  verifyBatch,
} from './batch-codec.js';
import { openBatch, sealBatch } from './batch-crypto.js';
import { crc32c } from './crc32c.js';

const records = [
  { partitionKey: 'pk', hashKey: 0x0102030405060708090a0b0c0d0e0f10n, data: Buffer.from('hi') },
  { partitionKey: 'é', hashKey: 1n, data: Buffer.alloc(0) },
];
const dataKey = { id: 3, key: Buffer.alloc(32, 0x11) };
const nonce = Buffer.from('000102030405060708090a0b', 'hex');

function sealSample(): Buffer {
  const plain = encodeBatch(records, {
    baseOffset: 7,
    arrivalMs: 1_700_000_000_123,
    batchBytes: measureBatchBytes(records),
  });
  return sealBatch(plain, dataKey, nonce);
}

function header(bytes: Buffer): BatchHeader {
  const parsed = parseBatchHeader(bytes, 0);
  assert.ok(typeof parsed !== 'string', `header is valid, got ${String(parsed)}`);
  return parsed;
}

function decode(bytes: Buffer, key: Buffer): LogRecord[] | string {
  const opened = openBatch(bytes, 0, header(bytes), key);
  if (typeof opened === 'string') return opened;
  const out: LogRecord[] = [];
  const budget = { recordsLeft: 10, bytesLeft: 1000 };
  const decoded = decodeBatchRecords(
    opened.bytes,
    opened.start,
    opened.header,
    { fromOffset: 0, endOffset: 100 },
    budget,
    out,
  );
  return typeof decoded === 'string' ? decoded : out;
}

/** Rewrites the checksum after a deliberate change, as someone tampering with the file would. */
function forgeChecksum(bytes: Buffer): Buffer {
  bytes.writeUInt32LE(crc32c(bytes, 12, bytes.length), 8);
  return bytes;
}

describe('sealed batches', () => {
  test('a sealed batch has the byte layout documented in docs/storage-format.md', () => {
    const sealed = sealSample();
    // Golden bytes: header in the clear (flags 1, batchBytes 94 + 28, dataKeyId 3), nonce,
    // 54 bytes of ciphertext, 16 bytes of tag. A change here is a change of the on-disk format.
    assert.equal(sealed.length, 94 + 28);
    assert.equal(sealed.subarray(0, 4).toString('hex'), '42495254');
    assert.equal(sealed.readUInt32LE(4), 122);
    assert.equal(sealed.readUInt8(12), 1, 'format version');
    assert.equal(sealed.readUInt8(13), 1, 'flags: sealed');
    assert.equal(sealed.readUInt32LE(36), 3, 'dataKeyId');
    assert.equal(sealed.subarray(14, 36).toString('hex'), '00000700000000000000020000007b68e5cf8b010000');
    assert.ok(sealed.subarray(40, 52).equals(nonce), 'the nonce follows the header');
    assert.equal(
      sealed.subarray(52).toString('hex'),
      '11e3b61379a335f415bad09bc1a9f02ec0ab0b64187b5d3fd98bd716fd40632e75b249b44c0576d7768f16fb84430ea27fd178757a2f04bdce7961cb358e3e73035baafb1502',
    );
    assert.equal(verifyBatch(sealed, 0, header(sealed)), undefined, 'the checksum covers the stored bytes');
  });

  test('the documented layout opens with nothing but AES-256-GCM', () => {
    // Independent of openBatch: nonce at 40, tag in the last 16 bytes, AAD = header, checksum zeroed.
    const sealed = sealSample();
    const aad = Buffer.from(sealed.subarray(0, 40));
    aad.fill(0, 8, 12);
    const decipher = createDecipheriv('aes-256-gcm', dataKey.key, sealed.subarray(40, 52));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const entries = Buffer.concat([decipher.update(sealed.subarray(52, sealed.length - 16)), decipher.final()]);
    const plain = encodeBatch(records, {
      baseOffset: 7,
      arrivalMs: 1_700_000_000_123,
      batchBytes: measureBatchBytes(records),
    });
    assert.ok(entries.equals(plain.subarray(40)), "the ciphertext is the plain batch's record entries");
  });

  test('a sealed batch opens to exactly the records that were sealed, marked encrypted', () => {
    const out = decode(sealSample(), dataKey.key);
    assert.ok(Array.isArray(out));
    assert.deepEqual(
      out.map((record) => ({ ...record, data: record.data.toString() })),
      [
        {
          offset: 7,
          arrivalMs: 1_700_000_000_123,
          partitionKey: 'pk',
          hashKey: records[0]?.hashKey,
          data: 'hi',
          encrypted: true,
        },
        { offset: 8, arrivalMs: 1_700_000_000_123, partitionKey: 'é', hashKey: 1n, data: '', encrypted: true },
      ],
    );
  });

  test('the wrong key does not open it', () => {
    assert.equal(decode(sealSample(), Buffer.alloc(32, 0x22)), 'bad-seal');
  });

  test('the header is authenticated: moving the batch to another offset, time or key id fails', () => {
    for (const [position, value] of [
      [16, 8],
      [28, 0x7c],
      [36, 4],
    ] as const) {
      const tampered = sealSample();
      tampered.writeUInt8(value, position);
      forgeChecksum(tampered);
      assert.equal(verifyBatch(tampered, 0, header(tampered)), undefined, 'the forged checksum passes');
      assert.equal(decode(tampered, dataKey.key), 'bad-seal', `byte ${position}`);
    }
  });

  test('a changed ciphertext or tag byte fails even under a forged checksum', () => {
    for (const position of [52, 80, 121]) {
      const tampered = sealSample();
      tampered[position] = (tampered[position] as number) ^ 0x01;
      forgeChecksum(tampered);
      assert.equal(decode(tampered, dataKey.key), 'bad-seal', `byte ${position}`);
    }
  });

  test('flags other than the sealed bit, or a key id without the bit, are an unsupported format', () => {
    const unknownFlag = sealSample();
    unknownFlag.writeUInt8(0x03, 13);
    assert.equal(verifyBatch(forgeChecksum(unknownFlag), 0, header(unknownFlag)), 'unsupported-format');
    const keyWithoutFlag = sealSample();
    keyWithoutFlag.writeUInt8(0, 13);
    assert.equal(verifyBatch(forgeChecksum(keyWithoutFlag), 0, header(keyWithoutFlag)), 'unsupported-format');
  });
});
