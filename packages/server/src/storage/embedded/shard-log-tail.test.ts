/**
 * Reads at the tail of a shard: the latest committed round (small and plain) is served from memory,
 * so a push reader woken by a commit does not read the file back. Whatever answers, the records
 * must be exactly those a read from the file returns.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { DataKey, LogRecord, ReadResult } from '../ports.js';
import { memoryFileSystem } from './file-system.js';
import { makeRecords, ProbeFileSystem } from './log-test-support.js';
import { SegmentLogStore } from './segment-log-store.js';

const address = { streamKey: 'stream-1', shardIndex: 0 };

function plainRecords(result: ReadResult): object[] {
  return result.records.map((record: LogRecord) => ({ ...record, data: Buffer.from(record.data) }));
}

describe('shard log reads at the tail', () => {
  test('a read inside the latest round is served without a file read, and equals the file read', async (t) => {
    const fileSystem = new ProbeFileSystem(memoryFileSystem());
    const store = new SegmentLogStore({ fileSystem, directory: '/data/log', durability: 'fsync' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    const random = seededRandom(21);
    await shard.append(makeRecords(random, 5));
    // One round of three appends: offsets 5..14.
    await Promise.all([4, 3, 3].map((count) => shard.append(makeRecords(random, count))));
    assert.equal(shard.endOffset(), 15);

    const cases = [
      { from: 5, limits: { recordCountMax: 100, bytesMax: 1_000_000 } },
      { from: 7, limits: { recordCountMax: 4, bytesMax: 1_000_000 } },
      { from: 9, limits: { recordCountMax: 100, bytesMax: 1 } },
      { from: 14, limits: { recordCountMax: 100, bytesMax: 1_000_000 } },
    ];
    const fromTail: ReadResult[] = [];
    const readsBefore = fileSystem.readCount;
    for (const { from, limits } of cases) fromTail.push(await shard.read(from, limits));
    assert.equal(fileSystem.readCount, readsBefore, 'reads inside the latest round touch no file');

    // The same reads from a fresh store (no tail in memory) go to the file.
    await store.close();
    const reopened = new SegmentLogStore({ fileSystem, directory: '/data/log', durability: 'fsync' });
    t.after(() => reopened.close());
    const fromFile = await reopened.openShard(address);
    for (const [index, { from, limits }] of cases.entries()) {
      const expected = await fromFile.read(from, limits);
      const actual = fromTail[index] as ReadResult;
      assert.equal(actual.nextOffset, expected.nextOffset, `nextOffset of case ${index}`);
      assert.deepEqual(plainRecords(actual), plainRecords(expected), `records of case ${index}`);
    }
    assert.ok(fileSystem.readCount > readsBefore, 'the fresh store read the file');
    assert.deepEqual(
      fromTail.map((result) => result.records.map((record) => record.offset)),
      [[5, 6, 7, 8, 9, 10, 11, 12, 13, 14], [7, 8, 9, 10], [9], [14]],
    );
  });

  test('reads before the latest round, at the end, and of sealed rounds go to the file as before', async (t) => {
    const fileSystem = new ProbeFileSystem(memoryFileSystem());
    const store = new SegmentLogStore({ fileSystem, directory: '/data/log', durability: 'fsync' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    const random = seededRandom(22);
    await shard.append(makeRecords(random, 3));
    await shard.append(makeRecords(random, 2));
    let reads = fileSystem.readCount;
    const spanning = await shard.read(1, { recordCountMax: 100, bytesMax: 1_000_000 });
    assert.deepEqual(
      spanning.records.map((record) => record.offset),
      [1, 2, 3, 4],
    );
    assert.ok(fileSystem.readCount > reads, 'a read starting before the latest round reads the file');
    const atEnd = await shard.read(5, { recordCountMax: 100, bytesMax: 1_000_000 });
    assert.deepEqual(atEnd.records, []);
    assert.equal(atEnd.nextOffset, 5);

    const key: DataKey = { id: 7, key: Buffer.alloc(32, 3) };
    await shard.append(makeRecords(random, 2), { encryption: key });
    reads = fileSystem.readCount;
    const sealed = await shard.read(5, { recordCountMax: 100, bytesMax: 1_000_000 }, { dataKey: () => key.key });
    assert.deepEqual(
      sealed.records.map((record) => [record.offset, record.encrypted]),
      [
        [5, true],
        [6, true],
      ],
    );
    assert.ok(fileSystem.readCount > reads, 'sealed rounds are read (and opened) from the file');
  });
});
