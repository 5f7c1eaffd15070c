/**
 * Caps the file descriptors one log store keeps open. The log keeps a LogFile per segment for as
 * long as the segment exists, and retention-era shards can hold thousands of segments, so the
 * store sees its files through this wrapper: every LogFile it hands out looks permanently open,
 * while at most `openFilesMax` real handles are (least recently used ones are closed, and reopened
 * on their next use).
 *
 * A handle is never closed behind its user's back while that could change what the file holds or
 * what a later sync reports:
 * - while an operation on it is in flight;
 * - while it has writes no sync has covered yet: an error of the eventual `fdatasync` must reach
 *   the handle that wrote (the active segment under `--durability os` therefore stays open);
 * - after its file was removed through this file system: an unlinked file stays readable only
 *   through a handle that is already open, and reopening would create an empty file instead.
 * Pinned handles may take the count past the cap; the cap bounds everything else.
 *
 * Reopening assumes only this store changes its files: a reopened file whose size differs from
 * what the store last saw is refused (ESTALE) rather than read. (A file deleted behind the store's
 * back is recreated empty by the reopen, since the port's `open` creates, and then refused.)
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { LogFile, LogFileSystem } from './file-system.js';

export class HandleLimitedFileSystem implements LogFileSystem {
  /** Files with a real handle open, least recently used first (a Set keeps insertion order). */
  private readonly recent = new Set<CachedLogFile>();
  /** Every file handed out and not yet closed, by path, so removals can pin them. */
  private readonly live = new Map<string, Set<CachedLogFile>>();

  constructor(
    private readonly inner: LogFileSystem,
    readonly openFilesMax: number,
  ) {
    assert.ok(Number.isSafeInteger(openFilesMax) && openFilesMax >= 1, 'openFilesMax is a positive integer');
  }

  /** Real handles open right now (for tests and metrics). */
  get openHandleCount(): number {
    return this.recent.size;
  }

  mkdirp(directory: string): Promise<void> {
    return this.inner.mkdirp(directory);
  }

  list(directory: string): Promise<string[]> {
    return this.inner.list(directory);
  }

  syncDir(directory: string): Promise<void> {
    return this.inner.syncDir(directory);
  }

  async open(filePath: string): Promise<LogFile> {
    const normalized = path.resolve('/', filePath);
    const handle = await this.inner.open(filePath);
    const file = new CachedLogFile(this, { filePath, normalizedPath: normalized }, handle);
    let files = this.live.get(normalized);
    if (files === undefined) {
      files = new Set();
      this.live.set(normalized, files);
    }
    files.add(file);
    this.touch(file);
    if (this.overCap()) await this.trim();
    return file;
  }

  async remove(filePath: string): Promise<void> {
    for (const file of this.live.get(path.resolve('/', filePath)) ?? []) file.markRemoved();
    await this.inner.remove(filePath);
  }

  async removeDir(directory: string): Promise<void> {
    const prefix = `${path.resolve('/', directory)}/`;
    for (const [filePath, files] of this.live) {
      if (filePath.startsWith(prefix)) for (const file of files) file.markRemoved();
    }
    await this.inner.removeDir(directory);
  }

  /** @internal Opens the real file again for a file whose handle was closed to stay under the cap. */
  reopen(filePath: string): Promise<LogFile> {
    return this.inner.open(filePath);
  }

  /** @internal Marks a file as just used (most recent last). */
  touch(file: CachedLogFile): void {
    this.recent.delete(file);
    this.recent.add(file);
  }

  /** @internal The file closed or lost its handle. */
  forget(file: CachedLogFile, closed: boolean): void {
    this.recent.delete(file);
    if (!closed) return;
    const files = this.live.get(file.normalizedPath);
    files?.delete(file);
    if (files?.size === 0) this.live.delete(file.normalizedPath);
  }

  /** @internal More real handles are open than the cap allows. */
  overCap(): boolean {
    return this.recent.size > this.openFilesMax;
  }

  /** @internal Closes least recently used, unpinned handles until the count is within the cap. */
  async trim(): Promise<void> {
    if (!this.overCap()) return;
    const evicted: LogFile[] = [];
    let excess = this.recent.size - this.openFilesMax;
    for (const file of this.recent) {
      if (excess === 0) break;
      const handle = file.evictable() ? file.evict() : undefined;
      if (handle === undefined) continue;
      evicted.push(handle);
      excess -= 1;
    }
    // An evicted handle has no unsynced writes and no operation in flight, so closing it can lose
    // nothing; its data stays reachable by reopening the path.
    await Promise.all(evicted.map((handle) => handle.close()));
  }
}

class CachedLogFile implements LogFile {
  readonly filePath: string;
  /** The path as a key: the same file spelled differently maps to the same entry. */
  readonly normalizedPath: string;
  private handle: LogFile | undefined;
  private reopening: Promise<LogFile> | undefined;
  private sizeBytes: number;
  /** Operations in flight on this file. */
  private users = 0;
  /** Writes and truncations no completed sync has covered. */
  private unsyncedChanges = 0;
  private removed = false;
  private closed = false;

  constructor(
    private readonly cache: HandleLimitedFileSystem,
    paths: { readonly filePath: string; readonly normalizedPath: string },
    handle: LogFile,
  ) {
    this.filePath = paths.filePath;
    this.normalizedPath = paths.normalizedPath;
    this.handle = handle;
    this.sizeBytes = handle.size();
  }

  size(): number {
    return this.sizeBytes;
  }

  write(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.use(async (file) => {
      this.unsyncedChanges += 1;
      await file.write(buffers, position);
      this.sizeBytes = file.size();
    });
  }

  sync(): Promise<void> {
    return this.use(async (file) => {
      const covered = this.unsyncedChanges;
      await file.sync();
      this.unsyncedChanges -= covered;
    });
  }

  /** One durable write (see LogFile.writeDurably): covered on return, so it never pins the handle. */
  writeDurably(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.use(async (file) => {
      if (file.writeDurably === undefined || this.unsyncedChanges > 0) {
        this.unsyncedChanges += 1;
        await file.write(buffers, position);
        this.sizeBytes = file.size();
        const covered = this.unsyncedChanges;
        await file.sync();
        this.unsyncedChanges -= covered;
        return;
      }
      await file.writeDurably(buffers, position);
      this.sizeBytes = file.size();
    });
  }

  read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    return this.use((file) => file.read(target, targetOffset, length, position));
  }

  truncate(sizeBytes: number): Promise<void> {
    return this.use(async (file) => {
      this.unsyncedChanges += 1;
      await file.truncate(sizeBytes);
      this.sizeBytes = file.size();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.handle ?? (await this.reopening?.catch(() => undefined));
    this.handle = undefined;
    this.cache.forget(this, true);
    await handle?.close();
  }

  markRemoved(): void {
    this.removed = true;
  }

  evictable(): boolean {
    return this.handle !== undefined && this.users === 0 && this.unsyncedChanges === 0 && !this.removed;
  }

  /** Takes the handle away (the caller closes it). */
  evict(): LogFile | undefined {
    const handle = this.handle;
    this.handle = undefined;
    this.cache.forget(this, false);
    return handle;
  }

  private async use<T>(operation: (file: LogFile) => Promise<T>): Promise<T> {
    this.users += 1;
    try {
      // The common case (handle open, cache under its cap) costs no extra promise.
      const file = this.handle ?? (await this.acquire());
      this.cache.touch(this);
      return await operation(file);
    } finally {
      this.users -= 1;
      if (!this.closed && this.cache.overCap()) await this.cache.trim();
    }
  }

  private async acquire(): Promise<LogFile> {
    if (this.handle !== undefined) return this.handle;
    if (this.closed) throw fileError('EBADF', `file handle is closed: ${this.filePath}`);
    if (this.removed) throw fileError('ENOENT', `file was removed while its handle was closed: ${this.filePath}`);
    this.reopening ??= this.reopen();
    try {
      return await this.reopening;
    } finally {
      this.reopening = undefined;
    }
  }

  private async reopen(): Promise<LogFile> {
    const handle = await this.cache.reopen(this.filePath);
    // Only this store writes the file, so its size cannot have changed while the handle was
    // closed; if it did, the file was replaced behind the store's back and must not be trusted.
    if (handle.size() !== this.sizeBytes) {
      await handle.close();
      throw fileError('ESTALE', `${this.filePath} changed size while its handle was closed`);
    }
    if (this.closed) {
      await handle.close();
      throw fileError('EBADF', `file handle is closed: ${this.filePath}`);
    }
    this.handle = handle;
    return handle;
  }
}

function fileError(code: string, message: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${message}`);
  error.code = code;
  return error;
}
