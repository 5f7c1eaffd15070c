import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type LogFileSystem, memoryFileSystem, nodeFileSystem } from './file-system.js';

/** One suite, run over every implementation of the port. */
function fileSystemSuite(
  name: string,
  create: () => LogFileSystem,
  makeRoot: () => Promise<string>,
  removeRoot: (root: string) => Promise<void>,
): void {
  describe(`${name} file system`, () => {
    let root = '';
    let fileSystem: LogFileSystem;
    before(async () => {
      root = await makeRoot();
      fileSystem = create();
    });
    after(async () => removeRoot(root));

    test('open creates a missing file empty, and a reopened file keeps its bytes', async () => {
      await fileSystem.mkdirp(path.join(root, 'a', 'b'));
      const filePath = path.join(root, 'a', 'b', 'one');
      const file = await fileSystem.open(filePath);
      assert.equal(file.size(), 0);
      await file.write([Buffer.from('hello '), Buffer.from('world')], 0);
      assert.equal(file.size(), 11);
      await file.sync();
      await file.close();
      const reopened = await fileSystem.open(filePath);
      const target = Buffer.alloc(22);
      assert.equal(await reopened.read(target, 2, 20, 0), 11);
      await assert.rejects(reopened.read(target, 3, 20, 0), RangeError);
      assert.equal(target.subarray(2, 13).toString(), 'hello world');
      await reopened.close();
    });

    test('writes land at their position, and reads past the end return fewer bytes', async () => {
      const file = await fileSystem.open(path.join(root, 'positions'));
      await file.write([Buffer.from('abc')], 0);
      await file.write([Buffer.from('XY')], 1);
      await file.write([Buffer.from('z')], 5);
      const target = Buffer.alloc(8, 0x2e);
      assert.equal(await file.read(target, 0, 8, 0), 6);
      assert.equal(target.toString('latin1'), 'aXY\u0000\u0000z..');
      assert.equal(await file.read(target, 0, 8, 6), 0);
      await file.close();
    });

    test('truncate shrinks the file and a later extension reads as zeros', async () => {
      const file = await fileSystem.open(path.join(root, 'truncated'));
      await file.write([Buffer.from('abcdef')], 0);
      await file.truncate(2);
      assert.equal(file.size(), 2);
      await file.truncate(4);
      const target = Buffer.alloc(4);
      await file.read(target, 0, 4, 0);
      assert.deepEqual([...target], [0x61, 0x62, 0, 0]);
      await file.close();
    });

    test('list names the entries of a directory and nothing for a missing one', async () => {
      const directory = path.join(root, 'listing');
      await fileSystem.mkdirp(path.join(directory, 'sub'));
      await (await fileSystem.open(path.join(directory, 'f1'))).close();
      assert.deepEqual((await fileSystem.list(directory)).sort(), ['f1', 'sub']);
      assert.deepEqual(await fileSystem.list(path.join(root, 'missing')), []);
      await fileSystem.syncDir(directory);
    });

    test('remove and removeDir delete, and deleting what is missing is not an error', async () => {
      const directory = path.join(root, 'removal');
      await fileSystem.mkdirp(path.join(directory, 'deep'));
      await (await fileSystem.open(path.join(directory, 'deep', 'f'))).close();
      await (await fileSystem.open(path.join(directory, 'g'))).close();
      await fileSystem.remove(path.join(directory, 'g'));
      await fileSystem.remove(path.join(directory, 'g'));
      assert.deepEqual(await fileSystem.list(directory), ['deep']);
      await fileSystem.removeDir(directory);
      await fileSystem.removeDir(directory);
      assert.deepEqual(await fileSystem.list(root).then((names) => names.includes('removal')), false);
    });

    test('opening a file in a missing directory fails with ENOENT', async () => {
      await assert.rejects(fileSystem.open(path.join(root, 'nowhere', 'f')), { code: 'ENOENT' });
    });
  });
}

fileSystemSuite(
  'node',
  nodeFileSystem,
  () => mkdtemp(path.join(tmpdir(), 'tributary-fs-')),
  (root) => rm(root, { recursive: true, force: true }),
);
fileSystemSuite(
  'memory',
  memoryFileSystem,
  async () => '/data',
  async () => undefined,
);
