/**
 * The file-system port of the embedded log. Every byte the log reads or writes goes through it,
 * so the same engine runs on disk, in memory (`--in-memory`), and later under a fault-injecting
 * wrapper that a seeded simulation can crash. Keep it minimal: each method here is one more thing
 * that wrapper has to model.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** One open file. Positions and sizes are in bytes. */
export interface LogFile {
  /** The file's size as seen through this handle (the log keeps one handle per file). */
  size(): number;
  /** Writes the buffers back to back starting at `position` (one `writev`). */
  write(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Makes every completed write durable (`fdatasync`). */
  sync(): Promise<void>;
  /**
   * Optional: writes like `write` and resolves only once those bytes are durable, as `write` then
   * `sync` would, in one step where the platform allows it. Writes made with `write` before it
   * must still be synced by the caller (implementations may sync them first). Callers without it
   * use `write` + `sync` (see `writeDurably` below).
   */
  writeDurably?(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Reads up to `length` bytes at `position`; resolves to the count read (fewer at end of file). */
  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number>;
  truncate(sizeBytes: number): Promise<void>;
  close(): Promise<void>;
}

export interface LogFileSystem {
  /** Creates the directory and any missing parents. */
  mkdirp(directory: string): Promise<void>;
  /** Names (not paths) of the entries of a directory; empty when the directory does not exist. */
  list(directory: string): Promise<string[]>;
  /** Opens a file for reading and writing, creating it empty when missing. */
  open(filePath: string): Promise<LogFile>;
  /** Removes a file; removing a missing file is not an error. */
  remove(filePath: string): Promise<void>;
  /** Removes a directory and everything below it; a missing directory is not an error. */
  removeDir(directory: string): Promise<void>;
  /** Makes the directory's entries (created, removed files) durable. */
  syncDir(directory: string): Promise<void>;
}

/** `file.writeDurably` where the file has it, otherwise `write` followed by `sync`. */
export async function writeDurably(file: LogFile, buffers: readonly Buffer[], position: number): Promise<void> {
  if (file.writeDurably !== undefined) return file.writeDurably(buffers, position);
  await file.write(buffers, position);
  await file.sync();
}

/** The real file system, over `node:fs/promises`. */
export function nodeFileSystem(): LogFileSystem {
  return {
    async mkdirp(directory) {
      await fs.mkdir(directory, { recursive: true });
    },
    async list(directory) {
      try {
        return await fs.readdir(directory);
      } catch (error) {
        if (isErrorCode(error, 'ENOENT')) return [];
        throw error;
      }
    },
    async open(filePath) {
      // O_CREAT without O_APPEND: Linux ignores the position of writes to O_APPEND files.
      const handle = await fs.open(filePath, constants.O_RDWR | constants.O_CREAT, 0o644);
      const { size } = await handle.stat();
      return new NodeLogFile(filePath, handle, size);
    },
    async remove(filePath) {
      await fs.rm(filePath, { force: true });
    },
    async removeDir(directory) {
      await fs.rm(directory, { recursive: true, force: true });
    },
    async syncDir(directory) {
      const handle = await fs.open(directory, constants.O_RDONLY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}

/** O_DSYNC is Linux's 0o10000; Node leaves it undefined where the platform lacks it. */
const dsyncFlag: number | undefined = constants.O_DSYNC;

class NodeLogFile implements LogFile {
  /** True once the handle was reopened with O_DSYNC (see writeDurably). */
  private durableWrites = false;
  /** Writes and truncations no completed sync has covered. */
  private unsyncedChanges = 0;

  constructor(
    private readonly filePath: string,
    private handle: fs.FileHandle,
    private sizeBytes: number,
  ) {}

  size(): number {
    return this.sizeBytes;
  }

  /**
   * Under `--durability fsync` every write round of a shard goes here. A write and an `fdatasync`
   * are two trips through libuv's thread pool, and on a small, busy machine each trip costs a
   * thread wake-up on both sides. Through a descriptor opened with O_DSYNC, one `pwritev` returns
   * only once its data (and the metadata needed to read it back, such as the file size) is on
   * stable storage, the same guarantee as `fdatasync` after the write: one trip instead of two.
   * The file's handle is reopened with O_DSYNC on first use; reads and `sync` keep working on it.
   */
  async writeDurably(buffers: readonly Buffer[], position: number): Promise<void> {
    if (dsyncFlag === undefined) {
      await this.write(buffers, position);
      await this.sync();
      return;
    }
    // O_DSYNC covers the bytes of each write, not earlier ones made through the plain handle.
    if (this.unsyncedChanges > 0) await this.sync();
    if (!this.durableWrites) await this.reopenWithDsync(dsyncFlag);
    await this.writeAll(buffers, position);
  }

  private async reopenWithDsync(flag: number): Promise<void> {
    // No O_CREAT: the file exists (this handle has it open), and must not be recreated if not.
    const handle = await fs.open(this.filePath, constants.O_RDWR | flag);
    const previous = this.handle;
    this.handle = handle;
    this.durableWrites = true;
    // FileHandle.close waits for the operations still in flight on the old handle.
    await previous.close();
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    this.unsyncedChanges += 1;
    await this.writeAll(buffers, position);
  }

  private async writeAll(buffers: readonly Buffer[], position: number): Promise<void> {
    let pending = buffers.filter((buffer) => buffer.length > 0);
    let writePosition = position;
    // libuv already loops over short writes; the loop here only guards against a platform that
    // does not, because a silently short write would tear a batch.
    while (pending.length > 0) {
      const { bytesWritten } = await this.handle.writev(pending, writePosition);
      assert.ok(bytesWritten > 0, 'writev made no progress');
      writePosition += bytesWritten;
      pending = dropWrittenBytes(pending, bytesWritten);
    }
    this.sizeBytes = Math.max(this.sizeBytes, writePosition);
  }

  async sync(): Promise<void> {
    const covered = this.unsyncedChanges;
    await this.handle.datasync();
    this.unsyncedChanges -= covered;
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    let readBytes = 0;
    while (readBytes < length) {
      const { bytesRead } = await this.handle.read(
        target,
        targetOffset + readBytes,
        length - readBytes,
        position + readBytes,
      );
      if (bytesRead === 0) break;
      readBytes += bytesRead;
    }
    return readBytes;
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.unsyncedChanges += 1;
    await this.handle.truncate(sizeBytes);
    this.sizeBytes = sizeBytes;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function dropWrittenBytes(buffers: readonly Buffer[], writtenBytes: number): Buffer[] {
  const rest: Buffer[] = [];
  let skipBytes = writtenBytes;
  for (const buffer of buffers) {
    if (skipBytes >= buffer.length) {
      skipBytes -= buffer.length;
    } else {
      rest.push(skipBytes > 0 ? buffer.subarray(skipBytes) : buffer);
      skipBytes = 0;
    }
  }
  return rest;
}

function isErrorCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * A file system kept in process memory, for `--in-memory` mode and tests. Files are growable
 * buffers; `sync` does nothing because there is nothing beneath memory to make durable. Paths are
 * normalised with `node:path` so both implementations accept the same spellings.
 */
export function memoryFileSystem(): LogFileSystem {
  const directories = new Set<string>(['/']);
  const files = new Map<string, MemoryFileContent>();

  const childNames = (directory: string): string[] => {
    const prefix = directory === '/' ? '/' : `${directory}/`;
    const names = new Set<string>();
    for (const entry of [...directories, ...files.keys()]) {
      if (entry !== directory && entry.startsWith(prefix)) {
        const name = entry.slice(prefix.length).split('/')[0];
        if (name !== undefined && name !== '') names.add(name);
      }
    }
    return [...names].sort();
  };

  return {
    async mkdirp(directory) {
      let current = normalize(directory);
      while (!directories.has(current)) {
        directories.add(current);
        current = path.dirname(current);
      }
    },
    async list(directory) {
      const normalized = normalize(directory);
      return directories.has(normalized) ? childNames(normalized) : [];
    },
    async open(filePath) {
      const normalized = normalize(filePath);
      if (!directories.has(path.dirname(normalized))) throw missingError('open', normalized);
      let content = files.get(normalized);
      if (content === undefined) {
        content = new MemoryFileContent();
        files.set(normalized, content);
      }
      return new MemoryLogFile(content);
    },
    async remove(filePath) {
      // Open handles keep the content alive, as an unlinked file stays readable on POSIX.
      files.delete(normalize(filePath));
    },
    async removeDir(directory) {
      const normalized = normalize(directory);
      const prefix = `${normalized}/`;
      for (const filePath of [...files.keys()]) if (filePath.startsWith(prefix)) files.delete(filePath);
      for (const entry of [...directories]) {
        if (entry === normalized || entry.startsWith(prefix)) directories.delete(entry);
      }
    },
    async syncDir(directory) {
      if (!directories.has(normalize(directory))) throw missingError('syncDir', directory);
    },
  };
}

function normalize(filePath: string): string {
  return path.resolve('/', filePath);
}

function missingError(operation: string, filePath: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOENT: no such file or directory, ${operation} '${filePath}'`);
  error.code = 'ENOENT';
  return error;
}

/** The bytes of one memory file; shared by every handle opened on it. */
class MemoryFileContent {
  bytes: Buffer = Buffer.alloc(0);
  sizeBytes = 0;

  ensureCapacity(capacityBytes: number): void {
    if (capacityBytes <= this.bytes.length) return;
    // Doubling keeps appends amortised O(1) per byte.
    const grown = Buffer.alloc(Math.max(capacityBytes, this.bytes.length * 2, 4096));
    this.bytes.copy(grown, 0, 0, this.sizeBytes);
    this.bytes = grown;
  }

  resize(sizeBytes: number): void {
    this.ensureCapacity(sizeBytes);
    // Bytes past the old end read as zeros, as a sparse region of a real file does.
    if (sizeBytes > this.sizeBytes) this.bytes.fill(0, this.sizeBytes, sizeBytes);
    this.sizeBytes = sizeBytes;
  }
}

class MemoryLogFile implements LogFile {
  private closed = false;

  constructor(private readonly content: MemoryFileContent) {}

  size(): number {
    return this.content.sizeBytes;
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    this.assertOpen();
    const totalBytes = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
    if (position + totalBytes > this.content.sizeBytes) this.content.resize(position + totalBytes);
    let writePosition = position;
    for (const buffer of buffers) {
      buffer.copy(this.content.bytes, writePosition);
      writePosition += buffer.length;
    }
  }

  async sync(): Promise<void> {
    this.assertOpen();
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    this.assertOpen();
    // The same argument checks node:fs makes, so a bug shows up in memory mode too.
    if (targetOffset < 0 || length < 0 || targetOffset + length > target.length) {
      throw new RangeError(`cannot read ${length} bytes into a ${target.length}-byte buffer at ${targetOffset}`);
    }
    const end = Math.min(position + length, this.content.sizeBytes);
    if (end <= position) return 0;
    return this.content.bytes.copy(target, targetOffset, position, end);
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.assertOpen();
    this.content.resize(sizeBytes);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) {
      const error: NodeJS.ErrnoException = new Error('EBADF: file handle is closed');
      error.code = 'EBADF';
      throw error;
    }
  }
}
