/**
 * The one-step durable write (LogFile.writeDurably): the real file system writes through an
 * O_DSYNC descriptor, and under `--durability fsync` a shard's write round uses it instead of a
 * `writev` followed by an `fdatasync` — still acknowledging nothing before the write returned.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { AppendResult } from '../ports.js';
import { HandleLimitedFileSystem } from './file-handle-cache.js';
import { memoryFileSystem, nodeFileSystem } from './file-system.js';
import { gate, makeRecords, ProbeFileSystem } from './log-test-support.js';
import { SegmentLogStore } from './segment-log-store.js';

const address = { streamKey: 'stream-1', shardIndex: 0 };

/** The `flags` of every descriptor of this process open on `filePath` (from /proc/self/fdinfo). */
async function descriptorFlags(filePath: string): Promise<number[]> {
  const target = await realpath(filePath);
  const flags: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (link !== target) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const match = /^flags:\s+([0-7]+)$/m.exec(info);
    if (match?.[1] !== undefined) flags.push(Number.parseInt(match[1], 8));
  }
  return flags;
}

describe('writeDurably on the node file system', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  test('writes through an O_DSYNC descriptor, and the file reads, syncs and truncates as before', async (t) => {
    const root = await mkdtemp(path.join(tmpdir(), 'tributary-dsync-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const filePath = path.join(root, 'a.log');
    const fileSystem = nodeFileSystem();
    const file = await fileSystem.open(filePath);
    const dsync = constants.O_DSYNC;
    assert.ok(dsync !== undefined && dsync !== 0, 'Linux defines O_DSYNC');
    // A plain write first: writeDurably must leave nothing of it unsynced.
    await file.write([Buffer.from('plain ')], 0);
    assert.deepEqual(
      (await descriptorFlags(filePath)).map((flags) => (flags & dsync) !== 0),
      [false],
      'opened without O_DSYNC',
    );
    assert.ok(file.writeDurably !== undefined, 'the node file system offers writeDurably');
    await file.writeDurably([Buffer.from('durable '), Buffer.from('bytes')], 6);
    assert.deepEqual(
      (await descriptorFlags(filePath)).map((flags) => (flags & dsync) !== 0),
      [true],
      'one descriptor, now with O_DSYNC (the plain one is closed)',
    );
    assert.equal(file.size(), 19);
    const target = Buffer.alloc(19);
    assert.equal(await file.read(target, 0, 19, 0), 19);
    assert.equal(target.toString(), 'plain durable bytes');
    await file.truncate(5);
    await file.sync();
    assert.equal(file.size(), 5);
    await file.close();
    assert.deepEqual(await descriptorFlags(filePath), [], 'close closes the O_DSYNC descriptor');
    assert.equal(await readFile(filePath, 'utf8'), 'plain');
  });

  test('through the handle cache, a durable write leaves the handle evictable and reopens after eviction', async (t) => {
    const root = await mkdtemp(path.join(tmpdir(), 'tributary-dsync-'));
    t.after(() => rm(root, { recursive: true, force: true }));
    const cache = new HandleLimitedFileSystem(nodeFileSystem(), 1);
    const first = await cache.open(path.join(root, 'a.log'));
    assert.ok(first.writeDurably !== undefined);
    await first.writeDurably([Buffer.from('one')], 0);
    // Opening a second file under a cap of one evicts the first: possible only if nothing is unsynced.
    const second = await cache.open(path.join(root, 'b.log'));
    assert.equal(cache.openHandleCount, 1);
    assert.deepEqual(await descriptorFlags(path.join(root, 'a.log')), [], 'the first file was evicted');
    await first.writeDurably([Buffer.from('two')], 3);
    const target = Buffer.alloc(6);
    assert.equal(await first.read(target, 0, 6, 0), 6);
    assert.equal(target.toString(), 'onetwo');
    await first.close();
    await second.close();
  });
});

describe('a shard log under durability fsync, on a file system with writeDurably', () => {
  test('one durable write per round, no separate sync, and nothing acknowledged or visible before it returns', async (t) => {
    const fileSystem = new ProbeFileSystem(memoryFileSystem(), { durableWrites: true });
    const store = new SegmentLogStore({ fileSystem, directory: '/data/log', durability: 'fsync' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    const random = seededRandom(11);
    await shard.append(makeRecords(random, 2));
    const before = {
      writes: fileSystem.writeCount,
      syncs: fileSystem.syncCount,
      durable: fileSystem.durableWriteCount,
    };
    assert.equal(before.durable, 1, 'the first round was one durable write');

    const held = gate();
    let entered = (): void => undefined;
    const writeStarted = new Promise<void>((resolve) => {
      entered = resolve;
    });
    fileSystem.beforeDurableWrite = () => {
      entered();
      return held.promise;
    };
    const resolved: AppendResult[] = [];
    const first = shard.append(makeRecords(random, 3)).then((result) => resolved.push(result));
    await writeStarted;
    // Appends made while the round is in flight wait for the next round, together.
    const later = [1, 2, 3, 4].map(() => shard.append(makeRecords(random, 1)).then((result) => resolved.push(result)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved.length, 0, 'no append resolves before its durable write returns');
    assert.equal(shard.endOffset(), 2, 'readers see nothing of the held round');
    assert.equal((await shard.read(0, { recordCountMax: 100, bytesMax: 1_000_000 })).records.length, 2);
    fileSystem.beforeDurableWrite = undefined;
    held.open();
    await Promise.all([first, ...later]);
    assert.deepEqual(
      resolved.map((result) => result.firstOffset),
      [2, 5, 6, 7, 8],
    );
    assert.equal(shard.endOffset(), 9);
    assert.equal(
      fileSystem.durableWriteCount - before.durable,
      2,
      'the held round, then one round for the four appends',
    );
    assert.equal(fileSystem.writeCount, before.writes, 'no plain writes under fsync');
    assert.equal(fileSystem.syncCount, before.syncs, 'no separate syncs: the durable write is the sync');
  });

  test('under durability os the round is a plain write, never a durable one', async (t) => {
    const fileSystem = new ProbeFileSystem(memoryFileSystem(), { durableWrites: true });
    const store = new SegmentLogStore({ fileSystem, directory: '/data/log', durability: 'os' });
    t.after(() => store.close());
    const shard = await store.openShard(address);
    await shard.append(makeRecords(seededRandom(12), 2));
    assert.equal(fileSystem.durableWriteCount, 0);
    assert.ok(fileSystem.writeCount >= 1);
  });
});
