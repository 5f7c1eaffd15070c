/** The handle cap: a store with thousands of segments keeps a bounded number of files open. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import { HandleLimitedFileSystem } from './file-handle-cache.js';
import { type LogFile, type LogFileSystem, memoryFileSystem } from './file-system.js';
import {
  appendAndRemember,
  assertRecordsMatch,
  type ExpectedRecord,
  makeRecords,
  readAll,
} from './log-test-support.js';
import { SegmentLogStore } from './segment-log-store.js';

/** Counts the real handles open on a file system, and the most ever open at once. */
class HandleCounter implements LogFileSystem {
  openCount = 0;
  peakOpenCount = 0;
  private readonly openPaths = new Map<string, number>();

  constructor(private readonly inner: LogFileSystem) {}

  mkdirp = (directory: string) => this.inner.mkdirp(directory);
  list = (directory: string) => this.inner.list(directory);
  remove = (filePath: string) => this.inner.remove(filePath);
  removeDir = (directory: string) => this.inner.removeDir(directory);
  syncDir = (directory: string) => this.inner.syncDir(directory);

  async open(filePath: string): Promise<LogFile> {
    const file = await this.inner.open(filePath);
    this.openCount += 1;
    this.peakOpenCount = Math.max(this.peakOpenCount, this.openCount);
    this.openPaths.set(filePath, (this.openPaths.get(filePath) ?? 0) + 1);
    let closed = false;
    return {
      size: () => file.size(),
      write: (buffers, position) => file.write(buffers, position),
      sync: () => file.sync(),
      read: (target, targetOffset, length, position) => file.read(target, targetOffset, length, position),
      truncate: (sizeBytes) => file.truncate(sizeBytes),
      close: async () => {
        assert.ok(!closed, 'a handle is closed once');
        closed = true;
        this.openCount -= 1;
        this.openPaths.set(filePath, (this.openPaths.get(filePath) ?? 0) - 1);
        await file.close();
      },
    };
  }

  isOpen(filePath: string): boolean {
    return (this.openPaths.get(filePath) ?? 0) > 0;
  }
}

const address = { streamKey: 'many-segments', shardIndex: 0 };

async function fillManySegments(
  counter: HandleCounter,
  openSegmentFilesMax?: number,
): Promise<{ store: SegmentLogStore; expected: ExpectedRecord[]; segmentCount: number }> {
  const store = new SegmentLogStore({
    fileSystem: counter,
    directory: '/data/log',
    durability: 'fsync',
    segmentBytesMax: 2048,
    indexIntervalBytes: 256,
    ...(openSegmentFilesMax === undefined ? {} : { openSegmentFilesMax }),
  });
  const shard = await store.openShard(address);
  const random = seededRandom(8);
  const expected: ExpectedRecord[] = [];
  for (let batch = 0; batch < 80; batch++) await appendAndRemember(shard, makeRecords(random, 3, 200), expected);
  const names = await counter.list('/data/log/many-segments/000000');
  return { store, expected, segmentCount: names.filter((name) => name.endsWith('.log')).length };
}

describe('the open-file cap of a log store', () => {
  test('without a tight cap every segment keeps its file open', async () => {
    const counter = new HandleCounter(memoryFileSystem());
    const { store, segmentCount } = await fillManySegments(counter);
    assert.ok(segmentCount > 20, `the log rolled into many segments (${segmentCount})`);
    assert.equal(counter.openCount, segmentCount);
    await store.close();
    assert.equal(counter.openCount, 0);
  });

  test('a store keeps at most openSegmentFilesMax files open while it writes, reopens and reads them all', async () => {
    const counter = new HandleCounter(memoryFileSystem());
    const { store, expected, segmentCount } = await fillManySegments(counter, 4);
    assert.ok(segmentCount > 20);
    // An operation in flight or unsynced writes may hold one handle beyond the cap for a moment.
    assert.ok(counter.peakOpenCount <= 5, `peak ${counter.peakOpenCount} open handles while writing`);
    assert.ok(counter.openCount <= 4);
    await store.close();

    const reopened = new SegmentLogStore({
      fileSystem: counter,
      directory: '/data/log',
      durability: 'fsync',
      segmentBytesMax: 2048,
      indexIntervalBytes: 256,
      openSegmentFilesMax: 4,
    });
    counter.peakOpenCount = 0;
    const shard = await reopened.openShard(address);
    assertRecordsMatch(await readAll(shard), expected);
    for (const from of [0, 100, 17, 200, 5]) assertRecordsMatch(await readAll(shard, from, 7), expected.slice(from));
    assert.ok(counter.peakOpenCount <= 5, `peak ${counter.peakOpenCount} open handles while recovering and reading`);
    await reopened.close();
    assert.equal(counter.openCount, 0, 'closing the store closes every handle, evicted or not');
  });

  test('a file with unsynced writes keeps its handle until a sync covers them', async () => {
    const counter = new HandleCounter(memoryFileSystem());
    await counter.mkdirp('/d');
    const files = new HandleLimitedFileSystem(counter, 1);
    const dirty = await files.open('/d/dirty.log');
    await dirty.write([Buffer.from('unsynced')], 0);
    const other = await files.open('/d/other.log');
    await other.read(Buffer.alloc(1), 0, 1, 0);
    assert.ok(counter.isOpen('/d/dirty.log'), 'the dirty file was not closed to make room');
    assert.equal(counter.openCount, 1);
    await dirty.sync();
    await other.read(Buffer.alloc(1), 0, 1, 0);
    assert.ok(!counter.isOpen('/d/dirty.log'), 'once synced it may be closed');
    assert.equal(counter.openCount, 1);
    const readBack = Buffer.alloc(8);
    assert.equal(await dirty.read(readBack, 0, 8, 0), 8);
    assert.equal(readBack.toString(), 'unsynced', 'and it reopens on use');
    await Promise.all([dirty.close(), other.close()]);
    assert.equal(counter.openCount, 0);
  });

  test('a removed file stays readable through an open handle and is never recreated by a reopen', async () => {
    const counter = new HandleCounter(memoryFileSystem());
    await counter.mkdirp('/d');
    const files = new HandleLimitedFileSystem(counter, 1);
    const kept = await files.open('/d/kept.log');
    await kept.write([Buffer.from('still here')], 0);
    await kept.sync();
    await files.remove('/d/kept.log');
    await (await files.open('/d/b.log')).read(Buffer.alloc(1), 0, 1, 0);
    const readBack = Buffer.alloc(10);
    await kept.read(readBack, 0, 10, 0);
    assert.equal(readBack.toString(), 'still here', 'a removed file keeps its open handle');

    const evicted = await files.open('/d/evicted.log');
    await (await files.open('/d/c.log')).read(Buffer.alloc(1), 0, 1, 0);
    await files.remove('/d/evicted.log');
    await assert.rejects(evicted.read(Buffer.alloc(1), 0, 1, 0), { code: 'ENOENT' });
    assert.ok(!(await files.list('/d')).includes('evicted.log'), 'the removed file was not recreated');
  });
});
