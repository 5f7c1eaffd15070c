import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evenRanges, hashKeyMax, hashKeyOf } from './hash-keys.js';
import { shardFor } from './routing.js';
import type { ShardState, StreamState } from './state.js';

/** The MD5 read as a 128-bit big-endian integer, the way it was computed before crypto.hash. */
function md5Integer(text: string): bigint {
  const digest = createHash('md5').update(text, 'utf8').digest();
  return (digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8);
}

describe('hashKeyOf', () => {
  it('is the MD5 of the UTF-8 bytes as a 128-bit integer, for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 256 }),
          fc.string({ unit: 'binary', maxLength: 32 }),
          // Lone surrogates: both paths encode them as U+FFFD.
          fc.string({ unit: fc.integer({ min: 0xd700, max: 0xe000 }).map((code) => String.fromCharCode(code)) }),
        ),
        (text) => {
          assert.equal(hashKeyOf(text), md5Integer(text));
        },
      ),
      { seed: 11, numRuns: 2000 },
    );
    // RFC 1321's test suite: MD5("a") = 0cc175b9c0f1b6a831c399e269772661.
    assert.equal(hashKeyOf('a'), 0x0cc175b9c0f1b6a831c399e269772661n);
  });
});

function shard(index: number, start: bigint, end: bigint, open = true): ShardState {
  return {
    index,
    shardId: `shardId-${String(index).padStart(12, '0')}`,
    startingHashKey: start.toString(),
    endingHashKey: end.toString(),
    epochMs: 1000 + index,
    ...(open ? {} : { endingSequenceNumber: '1' }),
  };
}

describe('shardFor', () => {
  it('picks the open shard whose range holds the key, also after the shard list changes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.bigInt({ min: 0n, max: hashKeyMax }), { minLength: 1, maxLength: 20 }),
        (count, keys) => {
          const closed = evenRanges(count).map((range, index) => shard(index, range.start, range.end, false));
          const open = evenRanges(count + 1).map((range, index) => shard(count + index, range.start, range.end));
          const stream = { name: 's', shards: [...closed, ...open] } as unknown as StreamState;
          for (const key of keys) {
            // Twice: the second answer comes from the parsed ranges kept for the shard objects.
            for (let round = 0; round < 2; round++) {
              const found = shardFor(stream, key);
              assert.equal(found.endingSequenceNumber, undefined);
              assert.ok(BigInt(found.startingHashKey) <= key && key <= BigInt(found.endingHashKey));
            }
          }
        },
      ),
      { seed: 5, numRuns: 200 },
    );
  });
});
