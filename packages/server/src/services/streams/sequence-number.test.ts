import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeSequence, sequenceFormatter, sequenceString } from './sequence-number.js';

describe('sequenceFormatter', () => {
  it('gives the same strings as sequenceString for runs of offsets, forwards, backwards and far apart', () => {
    const epochMs = fc.integer({ min: 0, max: 2 ** 48 - 1 });
    const shardIndex = fc.integer({ min: 0, max: 2 ** 32 - 1 });
    const offsets = fc.array(
      fc.oneof(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        // Around the points where the low 15 digits carry into the high ones.
        fc.integer({ min: -3, max: 3 }).map((step) => Math.max(0, 10 ** 15 + step)),
      ),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(epochMs, shardIndex, offsets, fc.nat({ max: 3000 }), (epoch, index, starts, run) => {
        const format = sequenceFormatter(epoch, index);
        for (const start of starts) {
          for (const offset of [start, start + 1, start + run, start + 2 * run]) {
            if (!Number.isSafeInteger(offset)) continue;
            const expected = sequenceString({ shardEpochMs: epoch, shardIndex: index, offset });
            assert.equal(format(offset), expected);
          }
        }
      }),
      { seed: 31, numRuns: 300 },
    );
  });

  it('carries across the low digits of a real shard', () => {
    const format = sequenceFormatter(1_764_123_456_789, 3);
    for (let offset = 0; offset < 5000; offset++) {
      const text = format(offset);
      assert.deepEqual(decodeSequence(text), { shardEpochMs: 1_764_123_456_789, shardIndex: 3, offset });
    }
  });
});
