import assert from 'node:assert/strict';
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
import { crc32c } from './crc32c.js';

const records = [
  { partitionKey: 'pk', hashKey: 0x0102030405060708090a0b0c0d0e0f10n, data: Buffer.from('hi') },
  { partitionKey: 'é', hashKey: 1n, data: Buffer.alloc(0) },
];

function encodeSample(): Buffer {
  return encodeBatch(records, { baseOffset: 7, arrivalMs: 1_700_000_000_123, batchBytes: measureBatchBytes(records) });
}

function header(bytes: Buffer): BatchHeader {
  const parsed = parseBatchHeader(bytes, 0);
  assert.ok(typeof parsed !== 'string', `header is valid, got ${String(parsed)}`);
  return parsed;
}

describe('batch codec', () => {
  test('a batch encodes to the byte layout documented in docs/storage-format.md', () => {
    // Golden bytes: a change here is a change of the on-disk format and needs a new formatVersion.
    const golden = [
      '424952545e000000f360d5b301000000', // magic, batchBytes 94, crc32c, version 1, flags, reserved
      '0700000000000000020000007b68e5cf', // baseOffset 7, recordCount 2, arrivalMs (low half)
      '8b010000000000000200000002000000', // arrivalMs (high half), reserved; record 1: dataBytes 2, keyBytes 2, flags
      '0102030405060708090a0b0c0d0e0f10', // record 1 hash key, big-endian
      '706b6869000000000200000000000000', // "pk" "hi"; record 2: dataBytes 0, keyBytes 2, flags, hash key…
      '000000000000000000000001c3a9', //     …hash key 1, "é"
    ].join('');
    assert.equal(encodeSample().toString('hex'), golden);
  });

  test('a decoded batch returns the records that were encoded', () => {
    const bytes = encodeSample();
    const parsed = header(bytes);
    assert.equal(verifyBatch(bytes, 0, parsed), undefined);
    const out: LogRecord[] = [];
    const budget = { recordsLeft: 10, bytesLeft: 1000 };
    assert.equal(decodeBatchRecords(bytes, 0, parsed, { fromOffset: 0, endOffset: 100 }, budget, out), true);
    assert.deepEqual(
      // The hash key is a getter (decoded when asked), so it is read by name, not spread.
      out.map((record) => ({ ...record, hashKey: record.hashKey, data: record.data.toString() })),
      [
        { offset: 7, arrivalMs: 1_700_000_000_123, partitionKey: 'pk', hashKey: records[0]?.hashKey, data: 'hi' },
        { offset: 8, arrivalMs: 1_700_000_000_123, partitionKey: 'é', hashKey: 1n, data: '' },
      ],
    );
    assert.deepEqual(budget, { recordsLeft: 8, bytesLeft: 1000 - 4 - 2 });
  });

  test('hash keys are read back whole, at the ends of the range and mid-chunk', () => {
    // Read lazily from the chunk (records.hashKey is a getter): each must come from its own
    // entry, with both 64-bit halves, also when the batch does not start the buffer.
    const keys = [0n, (1n << 128n) - 1n, 1n << 127n, (1n << 64n) - 1n, 1n << 64n, 0xfedcba9876543210_0123456789abcdefn];
    const written = keys.map((hashKey, index) => ({
      partitionKey: `k${index}`,
      hashKey,
      data: Buffer.alloc(index * 3, index),
    }));
    const batch = encodeBatch(written, { baseOffset: 0, arrivalMs: 1, batchBytes: measureBatchBytes(written) });
    const chunk = Buffer.concat([Buffer.alloc(13, 0xff), batch, Buffer.alloc(5, 0xff)]);
    const parsed = parseBatchHeader(chunk, 13);
    assert.ok(typeof parsed !== 'string', `header is valid, got ${String(parsed)}`);
    const out: LogRecord[] = [];
    const budget = { recordsLeft: 100, bytesLeft: 100_000 };
    assert.equal(decodeBatchRecords(chunk, 13, parsed, { fromOffset: 0, endOffset: 100 }, budget, out), true);
    assert.deepEqual(
      out.map((record) => record.hashKey),
      keys,
    );
    assert.deepEqual(
      out.map((record) => record.partitionKey),
      keys.map((_, index) => `k${index}`),
    );
  });

  test('a flipped bit anywhere after the checksum field fails verification', () => {
    const bytes = encodeSample();
    for (let position = 12; position < bytes.length; position++) {
      const damaged = Buffer.from(bytes);
      damaged[position] = (damaged[position] as number) ^ 0x10;
      const parsed = parseBatchHeader(damaged, 0);
      if (typeof parsed === 'string') continue; // the header check caught it first
      assert.equal(verifyBatch(damaged, 0, parsed), 'bad-checksum', `byte ${position}`);
    }
  });

  test('an intact batch of an unknown format version is unsupported rather than torn', () => {
    const bytes = encodeSample();
    bytes[12] = 2;
    bytes.writeUInt32LE(crc32c(bytes, 12, bytes.length), 8);
    assert.equal(verifyBatch(bytes, 0, header(bytes)), 'unsupported-format');
  });

  test('headers with a wrong magic, an impossible length or no records are rejected', () => {
    const wrongMagic = encodeSample();
    wrongMagic.writeUInt32LE(0, 0);
    assert.equal(parseBatchHeader(wrongMagic, 0), 'bad-magic');
    const tooShort = encodeSample();
    tooShort.writeUInt32LE(40, 4);
    assert.equal(parseBatchHeader(tooShort, 0), 'bad-length');
    const noRecords = encodeSample();
    noRecords.writeUInt32LE(0, 24);
    assert.equal(parseBatchHeader(noRecords, 0), 'bad-record-count');
    assert.equal(parseBatchHeader(encodeSample().subarray(0, 39), 0), 'short-header');
  });

  test('the first record is returned even when it alone exceeds the byte budget', () => {
    const bytes = encodeSample();
    const out: LogRecord[] = [];
    const budget = { recordsLeft: 10, bytesLeft: 1 };
    assert.equal(decodeBatchRecords(bytes, 0, header(bytes), { fromOffset: 0, endOffset: 100 }, budget, out), false);
    assert.deepEqual(
      out.map((record) => record.offset),
      [7],
    );
  });
});
