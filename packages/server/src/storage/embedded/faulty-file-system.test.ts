/** The fault-injecting file system models what a disk promises: what a crash keeps, loses and tears. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import { FaultyFileSystem } from './faulty-file-system.js';
import { memoryFileSystem } from './file-system.js';
import { readFile } from './log-test-support.js';

async function setUp(): Promise<{ disk: FaultyFileSystem; file: string }> {
  const inner = memoryFileSystem();
  await inner.mkdirp('/d');
  return { disk: new FaultyFileSystem(inner, seededRandom(5)), file: '/d/a.log' };
}

async function writeSynced(disk: FaultyFileSystem, filePath: string, text: string): Promise<void> {
  const fileSystem = disk.mount();
  const file = await fileSystem.open(filePath);
  await file.write([Buffer.from(text)], file.size());
  await file.sync();
  await fileSystem.syncDir('/d');
  await file.close();
}

async function contentAfterCrash(disk: FaultyFileSystem, filePath: string): Promise<string> {
  return (await readFile(disk.mount(), filePath)).toString();
}

describe('FaultyFileSystem', () => {
  test('a process crash keeps every completed write, synced or not', async () => {
    const { disk, file } = await setUp();
    await writeSynced(disk, file, 'synced ');
    const handle = await disk.mount().open(file);
    await handle.write([Buffer.from('unsynced')], handle.size());
    const report = await disk.crash({ unsynced: 'kept' });
    assert.deepEqual(report, { files: [], vanished: [] });
    assert.equal(await contentAfterCrash(disk, file), 'synced unsynced');
  });

  test('a process crash inside a write keeps only a prefix of it, and the write never returns', async () => {
    const disk = new FaultyFileSystem(memoryFileSystem(), seededRandom(5), { writeLatencyTurns: 2 });
    const file = '/d/a.log';
    await disk.mount().mkdirp('/d');
    await writeSynced(disk, file, 'synced ');
    const handle = await disk.mount().open(file);
    const writing = handle.write([Buffer.from('first '), Buffer.from('second')], handle.size());
    await new Promise((resolve) => setImmediate(resolve));
    const report = await disk.crash({ unsynced: 'kept', tearInFlightWrite: true, tornWriteKeptBytes: 8 });
    await assert.rejects(writing, { code: 'EIO' });
    assert.deepEqual(report.torn, { path: file, position: 7, writeBytes: 12, keptBytes: 8 });
    assert.equal(await contentAfterCrash(disk, file), 'synced first se');
  });

  test('a process crash drops a write still in flight unless told to tear it', async () => {
    const disk = new FaultyFileSystem(memoryFileSystem(), seededRandom(5), { writeLatencyTurns: 2 });
    const file = '/d/a.log';
    await disk.mount().mkdirp('/d');
    await writeSynced(disk, file, 'synced');
    const handle = await disk.mount().open(file);
    const writing = handle.write([Buffer.from(' lost')], handle.size());
    await new Promise((resolve) => setImmediate(resolve));
    await disk.crash({ unsynced: 'kept' });
    await assert.rejects(writing, { code: 'EIO' });
    assert.equal(await contentAfterCrash(disk, file), 'synced');
  });

  test('a power loss reverts every file to its last synced content and drops unsynced new files', async () => {
    const { disk, file } = await setUp();
    await writeSynced(disk, file, 'abcdefgh');
    const fileSystem = disk.mount();
    const handle = await fileSystem.open(file);
    await handle.write([Buffer.from('XY')], 2);
    await handle.write([Buffer.from('tail')], handle.size());
    await handle.truncate(5);
    const created = await fileSystem.open('/d/new.log');
    await created.write([Buffer.from('new')], 0);
    await created.sync(); // the data is durable, but the directory entry is not
    const report = await disk.crash({ unsynced: 'lost' });
    assert.deepEqual(report.vanished, ['/d/new.log']);
    assert.equal(await contentAfterCrash(disk, file), 'abcdefgh');
    assert.deepEqual(await disk.mount().list('/d'), ['a.log']);
  });

  test('a power loss part-way through write-back keeps the oldest unsynced writes and tears the next', async () => {
    const { disk, file } = await setUp();
    await writeSynced(disk, file, 'base ');
    const handle = await disk.mount().open(file);
    for (const word of ['one ', 'two ', 'three ']) await handle.write([Buffer.from(word)], handle.size());
    const report = await disk.crash({ unsynced: 'prefix', keptChangeCount: 1 });
    const torn = report.torn;
    assert.ok(torn !== undefined);
    assert.deepEqual([torn.position, torn.writeBytes], [9, 4]);
    assert.equal(await contentAfterCrash(disk, file), `base one ${'two '.slice(0, torn.keptBytes)}`);
    assert.deepEqual(report.files, [{ path: file, sizeBeforeBytes: 19, sizeAfterBytes: 9 + torn.keptBytes }]);
  });

  test('a sync makes writes survive a power loss', async () => {
    const { disk, file } = await setUp();
    await writeSynced(disk, file, 'one ');
    await writeSynced(disk, file, 'two');
    await disk.crash({ unsynced: 'lost' });
    assert.equal(await contentAfterCrash(disk, file), 'one two');
  });

  test('after a crash the dead process can no longer touch the disk', async () => {
    const { disk, file } = await setUp();
    const fileSystem = disk.mount();
    const handle = await fileSystem.open(file);
    await disk.crash({ unsynced: 'kept' });
    await assert.rejects(handle.write([Buffer.from('late')], 0), { code: 'EIO' });
    await assert.rejects(handle.sync(), { code: 'EIO' });
    await assert.rejects(fileSystem.open('/d/other.log'), { code: 'EIO' });
    assert.equal(await contentAfterCrash(disk, file), '');
  });

  test('a crash while a sync is held means the sync never completed', async () => {
    const { disk, file } = await setUp();
    let release = (): void => undefined;
    disk.beforeSync = () => new Promise((resolve) => (release = resolve));
    const handle = await disk.mount().open(file);
    await handle.write([Buffer.from('pending')], 0);
    const syncing = handle.sync();
    await disk.crash({ unsynced: 'lost' });
    release();
    await assert.rejects(syncing, { code: 'EIO' });
    assert.deepEqual(await disk.mount().list('/d'), [], 'the unsynced new file vanished');
  });

  test('a flipped bit is damage at rest: it survives crashes and flips back', async () => {
    const { disk, file } = await setUp();
    await writeSynced(disk, file, 'AAAA');
    await disk.flipBit(file, 2, 0);
    await disk.crash({ unsynced: 'lost' });
    assert.equal(await contentAfterCrash(disk, file), 'AA@A');
    await disk.flipBit(file, 2, 0);
    assert.equal(await contentAfterCrash(disk, file), 'AAAA');
  });
});
