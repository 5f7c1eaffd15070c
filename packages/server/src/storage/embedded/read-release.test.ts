/**
 * ReadResult.releaseBefore: a large read sits on several pooled chunks (record reads fetch at most
 * recordReadChunkBytesMax at a time), and the chunks that hold only records before `count` go back
 * to the pool at once — never the chunk of a record the caller may still copy.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppendRecord, LogRecord } from '../ports.js';
import { readChunks } from './batch-cursor.js';
import { memoryFileSystem } from './file-system.js';
import { recordReadChunkBytesMax } from './log-limits.js';
import { SegmentLogStore } from './segment-log-store.js';

const address = { streamKey: 'stream-1', shardIndex: 0 };
const recordBytes = 1000;
const batchRecords = 500;

function batch(first: number): AppendRecord[] {
  return Array.from({ length: batchRecords }, (_, index) => ({
    partitionKey: `key-${first + index}`,
    hashKey: BigInt(first + index),
    data: Buffer.alloc(recordBytes, (first + index) % 251),
  }));
}

/** Empties the shared pool, so that what it holds afterwards came from this test. */
function drainPool(): void {
  while (readChunks.freeBytes > 0) readChunks.take(recordReadChunkBytesMax);
}

describe('releasing a read piece by piece', () => {
  test('releaseBefore hands back only the chunks wholly before the record it names', async (t) => {
    const store = new SegmentLogStore({ fileSystem: memoryFileSystem(), directory: '/data/log', durability: 'fsync' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    // 12 batches of ~0.5 MB, appended one by one (separate rounds): ~6 MB, past the in-memory tail.
    for (let call = 0; call < 12; call++) await shard.append(batch(call * batchRecords));
    drainPool();

    const result = await shard.read(0, { recordCountMax: 10_000, bytesMax: 10 * 1024 * 1024 });
    const { records, releaseBefore, release } = result;
    assert.equal(records.length, 12 * batchRecords);
    assert.ok(releaseBefore && release);
    const chunks = [...new Set(records.map((record) => record.data.buffer))];
    assert.ok(chunks.length >= 3, `a 6 MB read sits on several chunks (${chunks.length})`);
    const firstOf = (chunk: ArrayBufferLike) => records.findIndex((record) => record.data.buffer === chunk);
    const lastOf = (chunk: ArrayBufferLike) => records.findLastIndex((record) => record.data.buffer === chunk);

    // Inside the first chunk: nothing goes back.
    releaseBefore(lastOf(chunks[0] as ArrayBufferLike));
    assert.equal(readChunks.freeBytes, 0);
    // Past the first chunk and into the second: the first goes back, not the second.
    const intoSecond = firstOf(chunks[1] as ArrayBufferLike) + 1;
    releaseBefore(intoSecond);
    assert.equal(readChunks.freeBytes, (chunks[0] as ArrayBuffer).byteLength);
    const before = records.slice(intoSecond).map((record: LogRecord) => Buffer.from(record.data));
    // The pool now serves the first chunk to the next read; the records still to be copied keep
    // their bytes, whatever that read writes into its chunk.
    const reused = readChunks.take(1024 * 1024);
    assert.equal(reused.buffer, chunks[0]);
    reused.fill(0xee);
    records.slice(intoSecond).forEach((record, index) => {
      assert.ok(record.data.equals(before[index] as Buffer), `record ${intoSecond + index} untouched`);
    });
    // The rest at once: every other chunk goes back, the one given already is not given twice.
    release();
    const restBytes = chunks.slice(1).reduce((sum, chunk) => sum + (chunk as ArrayBuffer).byteLength, 0);
    assert.equal(readChunks.freeBytes, Math.min(restBytes, 16 * 1024 * 1024));
    drainPool();
  });

  test('a chunk whose plain records surround a sealed batch stays until its last plain record', async (t) => {
    const store = new SegmentLogStore({ fileSystem: memoryFileSystem(), directory: '/data/log', durability: 'fsync' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    const key = { id: 7, key: Buffer.alloc(32, 9) };
    // Plain, sealed, plain, plain: ~2 MB, so they share the read's chunks; the sealed batch's
    // records are opened into a buffer of their own.
    await shard.append(batch(0));
    await shard.append(batch(batchRecords), { encryption: key });
    await shard.append(batch(2 * batchRecords));
    await shard.append(batch(3 * batchRecords));
    drainPool();
    const { records, releaseBefore } = await shard.read(
      0,
      { recordCountMax: 10_000, bytesMax: 10 * 1024 * 1024 },
      { dataKey: () => key.key },
    );
    assert.ok(releaseBefore);
    const firstChunk = (records[0] as LogRecord).data.buffer;
    const afterSealed = 2 * batchRecords;
    assert.equal(
      (records[afterSealed] as LogRecord).data.buffer,
      firstChunk,
      'plain records on both sides share a chunk',
    );
    assert.notEqual((records[batchRecords] as LogRecord).data.buffer, firstChunk, 'the sealed records do not');
    const expected = records.slice(afterSealed).map((record) => Buffer.from(record.data));
    // Past the sealed batch's first record: the chunk still holds records to come.
    releaseBefore(batchRecords + 1);
    assert.equal(readChunks.freeBytes, 0);
    readChunks.take(1024 * 1024).fill(0xee);
    records.slice(afterSealed).forEach((record, index) => {
      assert.ok(record.data.equals(expected[index] as Buffer), `record ${afterSealed + index} untouched`);
    });
    releaseBefore(records.length);
    drainPool();
  });
});
