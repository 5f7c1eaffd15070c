import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { indexEntryBytes, SparseIndex } from './sparse-index.js';

function indexOf(
  entries: Array<[relativeOffset: number, position: number, arrivalMs: number]>,
  intervalBytes = 100,
): SparseIndex {
  const index = new SparseIndex(intervalBytes);
  for (const [relativeOffset, position, arrivalMs] of entries)
    index.observeBatch({ relativeOffset, position, arrivalMs });
  return index;
}

function fileOf(entries: Array<[number, number, number]>): Buffer {
  const bytes = Buffer.alloc(entries.length * indexEntryBytes);
  entries.forEach(([relativeOffset, position, arrivalMs], index) => {
    bytes.writeUInt32LE(relativeOffset, index * indexEntryBytes);
    bytes.writeUInt32LE(position, index * indexEntryBytes + 4);
    bytes.writeBigUInt64LE(BigInt(arrivalMs), index * indexEntryBytes + 8);
  });
  return bytes;
}

describe('sparse index', () => {
  test('an entry is added for the first batch and then once per interval of bytes', () => {
    const index = indexOf([
      [0, 0, 10],
      [5, 60, 11],
      [9, 100, 12],
      [12, 150, 13],
      [20, 230, 14],
    ]);
    assert.deepEqual(
      [0, 1, 2].map((entry) => index.entry(entry)),
      [
        { relativeOffset: 0, position: 0, arrivalMs: 10 },
        { relativeOffset: 9, position: 100, arrivalMs: 12 },
        { relativeOffset: 20, position: 230, arrivalMs: 14 },
      ],
    );
    assert.equal(index.entryCount, 3);
  });

  test('lookups find the last entry at or before an offset and before a time', () => {
    const index = indexOf([
      [0, 0, 10],
      [9, 100, 12],
      [20, 230, 12],
      [31, 400, 15],
    ]);
    assert.equal(index.floorByRelativeOffset(0), 0);
    assert.equal(index.floorByRelativeOffset(19), 1);
    assert.equal(index.floorByRelativeOffset(20), 2);
    assert.equal(index.floorByRelativeOffset(1000), 3);
    assert.equal(index.lastArrivedBefore(10), -1);
    assert.equal(index.lastArrivedBefore(12), 0);
    assert.equal(index.lastArrivedBefore(13), 2);
  });

  test('an index file round-trips through encode and decode', () => {
    const index = indexOf(
      Array.from(
        { length: 40 },
        (_, entry) => [entry * 3, entry * 100, 1_700_000_000_000 + entry] as [number, number, number],
      ),
    );
    const decoded = SparseIndex.decode(index.encode(), 100, 4000);
    assert.ok(decoded instanceof SparseIndex);
    assert.ok(decoded.equals(index));
  });

  test('index files that cannot be trusted are rejected with a reason', () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['a torn entry', fileOf([[0, 0, 1]]).subarray(0, 15), /multiple of 16/],
      ['nothing for a non-empty segment', Buffer.alloc(0), /empty index/],
      ['a first entry that is not the first batch', fileOf([[1, 0, 1]]), /first entry/],
      [
        'offsets that do not increase',
        fileOf([
          [0, 0, 1],
          [0, 50, 1],
        ]),
        /offsets not strictly increasing/,
      ],
      [
        'positions that do not increase',
        fileOf([
          [0, 0, 1],
          [3, 0, 1],
        ]),
        /positions not strictly increasing/,
      ],
      [
        'arrival times that decrease',
        fileOf([
          [0, 0, 5],
          [3, 50, 4],
        ]),
        /arrival times decreasing/,
      ],
      [
        'a position past the end of the segment',
        fileOf([
          [0, 0, 1],
          [3, 5000, 1],
        ]),
        /past the segment end/,
      ],
    ];
    for (const [name, bytes, reason] of cases) {
      const decoded = SparseIndex.decode(bytes, 100, 1000);
      assert.equal(typeof decoded, 'string', name);
      assert.match(decoded as string, reason, name);
    }
  });
});
