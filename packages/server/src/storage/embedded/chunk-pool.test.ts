import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkPool } from './batch-cursor.js';

const mebibyte = 1024 * 1024;

describe('ChunkPool', () => {
  it('hands a given-back chunk out again, as a view of the size asked for', () => {
    const pool = new ChunkPool(8 * mebibyte);
    const first = pool.take(3 * mebibyte + 5);
    assert.equal(first.length, 3 * mebibyte + 5);
    assert.equal(first.buffer.byteLength, 4 * mebibyte, 'rounded up to a multiple of 2 MiB');
    // Many views of one chunk (the records of a read) give it back once.
    pool.give([first.subarray(0, 10), first.subarray(10, 20), first]);
    assert.equal(pool.freeBytes, 4 * mebibyte);
    const second = pool.take(2 * mebibyte);
    assert.equal(second.buffer, first.buffer);
    assert.equal(second.length, 2 * mebibyte);
    assert.equal(pool.freeBytes, 0);
    assert.deepEqual(pool.counts, { made: 1, reused: 1 });
  });

  it('picks the smallest free chunk that fits, and makes a new one when none does', () => {
    const pool = new ChunkPool(64 * mebibyte);
    const small = pool.take(mebibyte);
    const large = pool.take(9 * mebibyte);
    pool.give([large, small]);
    assert.equal(pool.take(mebibyte).buffer, small.buffer);
    assert.notEqual(pool.take(11 * mebibyte).buffer, large.buffer);
    assert.equal(pool.take(5 * mebibyte).buffer, large.buffer);
  });

  it('keeps the largest free chunks when over its size', () => {
    const pool = new ChunkPool(10 * mebibyte);
    const [a, b, c] = [pool.take(2 * mebibyte), pool.take(4 * mebibyte), pool.take(6 * mebibyte)];
    pool.give([a, b]);
    assert.equal(pool.freeBytes, 6 * mebibyte);
    pool.give([c]);
    assert.equal(pool.freeBytes, 10 * mebibyte, 'the 2 MiB chunk went');
    assert.equal(pool.take(5 * mebibyte).buffer, c.buffer);
    assert.equal(pool.take(3 * mebibyte).buffer, b.buffer);
  });

  it('ignores buffers it did not make, chunks given twice, and chunks beyond its size', () => {
    const pool = new ChunkPool(4 * mebibyte);
    pool.give([Buffer.alloc(2 * mebibyte), Buffer.from('plain')]);
    assert.equal(pool.freeBytes, 0);
    const chunk = pool.take(2 * mebibyte);
    pool.give([chunk]);
    pool.give([chunk]);
    assert.equal(pool.freeBytes, 2 * mebibyte);
    const taken = pool.take(2 * mebibyte);
    assert.equal(taken.buffer, chunk.buffer);
    const big = pool.take(5 * mebibyte);
    pool.give([big]);
    assert.equal(pool.freeBytes, 0, 'larger than the pool: left to the garbage collector');
    // Small reads are not pooled at all.
    const tiny = pool.take(64 * 1024);
    pool.give([tiny]);
    assert.equal(pool.freeBytes, 0);
  });
});
