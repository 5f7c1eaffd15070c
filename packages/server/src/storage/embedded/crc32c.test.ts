import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededBytes, seededRandom } from '../../testing/random.js';
import { crc32c } from './crc32c.js';

/** One bit at a time, straight from the definition: the reference the fast version must match. */
function crc32cBitwise(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describe('crc32c', () => {
  test('the checksum of "123456789" is the published check value 0xE3069283', () => {
    assert.equal(crc32c(Buffer.from('123456789', 'ascii')), 0xe3069283);
  });

  test('the checksum of 32 zero bytes is 0x8A9136AA (RFC 3720 test vector)', () => {
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa);
  });

  test('the checksum of 32 bytes of 0xFF is 0x62A8AB43 (RFC 3720 test vector)', () => {
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
  });

  test('the checksum of nothing is 0', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  test('every length and alignment matches the bitwise definition', () => {
    const random = seededRandom(7);
    const bytes = seededBytes(random, 300);
    for (let start = 0; start < 20; start++) {
      for (let end = start; end <= bytes.length; end += 7) {
        assert.equal(crc32c(bytes, start, end), crc32cBitwise(bytes.subarray(start, end)), `[${start}, ${end})`);
      }
    }
  });

  test('a checksum computed over pieces with a seed equals the checksum of the whole', () => {
    const bytes = seededBytes(seededRandom(11), 1000);
    for (const split of [0, 1, 15, 16, 17, 500, 1000]) {
      assert.equal(crc32c(bytes, split, bytes.length, crc32c(bytes, 0, split)), crc32c(bytes));
    }
  });

  test('a range outside the buffer is refused', () => {
    assert.throws(() => crc32c(Buffer.alloc(4), 0, 5), RangeError);
    assert.throws(() => crc32c(Buffer.alloc(4), 3, 2), RangeError);
  });
});
