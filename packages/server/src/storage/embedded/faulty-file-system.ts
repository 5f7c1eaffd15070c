/**
 * A fault-injecting wrapper of the LogFileSystem port, for tests and seeded simulations: it runs
 * the real engine over another file system (usually the memory one) and can crash it.
 *
 * It models what a disk promises and no more. A write reaches the file at once (as the page cache
 * makes it visible), but only a sync makes it durable; a created file's name is durable only once
 * its directory is synced. `crash()` then decides what survives:
 *
 * - `unsynced: 'kept'`  — the process died, the kernel did not (SIGKILL): every completed write
 *   stays, and stays unsynced. A write still in flight (its call had not returned) is dropped,
 *   or with `tearInFlightWrite` keeps a prefix, as a process killed inside `writev` leaves it.
 * - `unsynced: 'lost'`  — power loss before any unsynced byte reached the disk: every file goes
 *   back to its last synced content, and files created since their directory's last sync vanish.
 * - `unsynced: 'prefix'` — power loss part-way through write-back: the oldest unsynced writes (a
 *   seeded-random number of them, across all files) reached the disk, the next one only in part.
 *
 * `flipBit()` damages bytes at rest (bit rot): the change is not a write and survives any crash.
 *
 * A crash ends the simulated process: every file system obtained from `mount()` before it, and
 * every file opened through one, fails with EIO from then on, so a dead store cannot touch the
 * disk after its crash. The next process mounts again.
 *
 * Not modelled: removals that a crash undoes (a removed file stays removed), reordering of writes
 * within one file beyond the prefix rule, and directories (created directories are durable).
 */
import * as path from 'node:path';
import type { LogFile, LogFileSystem } from './file-system.js';

export interface CrashOptions {
  readonly unsynced: 'kept' | 'lost' | 'prefix';
  /** With 'kept': the latest write still in flight keeps a prefix instead of nothing. */
  readonly tearInFlightWrite?: boolean;
  /** With 'prefix': how many unsynced changes survive whole (seeded-random when not given). */
  readonly keptChangeCount?: number;
  /** How many bytes the torn write keeps (seeded-random below its length when not given). */
  readonly tornWriteKeptBytes?: number;
}

export interface FaultyFileSystemOptions {
  /**
   * Event-loop turns every write waits before it reaches the file, so that a crash can land while
   * writes are in flight (0 by default: the memory file system applies a write when called).
   */
  readonly writeLatencyTurns?: number;
}

/** What a crash did to the disk, so a test can tell which bytes were lost. */
export interface CrashReport {
  /** Every file whose size the crash changed, with its size just before and just after. */
  readonly files: ReadonlyArray<{
    readonly path: string;
    readonly sizeBeforeBytes: number;
    readonly sizeAfterBytes: number;
  }>;
  /** Files created since their directory's last sync, which the crash removed. */
  readonly vanished: readonly string[];
  /** The write the crash cut short, if any: it started at `position` and kept `keptBytes` of `writeBytes`. */
  readonly torn?: {
    readonly path: string;
    readonly position: number;
    readonly writeBytes: number;
    readonly keptBytes: number;
  };
}

/** One change not covered by a sync yet: enough to undo it (`preimage`) and to redo it (`bytes`). */
interface UnsyncedChange {
  readonly path: string;
  readonly kind: 'write' | 'truncate';
  readonly position: number;
  /** The written bytes (empty for a truncation). */
  readonly bytes: Buffer;
  readonly sizeBeforeBytes: number;
  /** What [position, position + length) held before the change, within the old size. */
  readonly preimage: Buffer;
  /** False while the write is in flight: noted, not yet in the file. */
  applied: boolean;
}

export class FaultyFileSystem {
  /** Waits before every file sync (to hold one at a known point); throwing fails the sync. */
  beforeSync: ((filePath: string) => Promise<void>) | undefined;
  private generation = 0;
  /** Unsynced changes of every file, oldest first. */
  private journal: UnsyncedChange[] = [];
  /** Files created since their directory's last sync. */
  private readonly created = new Set<string>();

  constructor(
    private readonly inner: LogFileSystem,
    private readonly random: () => number,
    private readonly options: FaultyFileSystemOptions = {},
  ) {}

  /** The file system as one simulated process sees it, until the next crash. */
  mount(): LogFileSystem {
    return new MountedFileSystem(this, this.generation);
  }

  /** Bytes written and not yet synced, over all files. */
  get unsyncedBytes(): number {
    return this.journal.reduce((sum, change) => sum + change.bytes.length, 0);
  }

  async crash(options: CrashOptions): Promise<CrashReport> {
    // First, so nothing the dead process still has in flight can reach the disk.
    this.generation += 1;
    const inFlight = this.journal.filter((change) => !change.applied);
    this.journal = this.journal.filter((change) => change.applied);
    const sizesBefore = new Map<string, number>();
    for (const change of [...this.journal, ...inFlight]) {
      if (!sizesBefore.has(change.path)) sizesBefore.set(change.path, await this.sizeOf(change.path));
    }
    let torn: CrashReport['torn'];
    let vanished: string[] = [];
    if (options.unsynced === 'kept') {
      const latest = inFlight.filter((change) => change.kind === 'write').at(-1);
      if (options.tearInFlightWrite && latest !== undefined) torn = await this.tear(latest, options.tornWriteKeptBytes);
    } else {
      const journal = this.journal;
      this.journal = [];
      for (const change of [...journal].reverse()) await this.undo(change);
      if (options.unsynced === 'prefix') torn = await this.redoPrefix(journal, options);
      vanished = [...this.created].sort();
      for (const filePath of vanished) await this.inner.remove(filePath);
      this.created.clear();
      // What reached the disk before the power went is on the platter: durable, not journaled.
      this.journal = [];
    }
    const files = [];
    for (const [filePath, sizeBeforeBytes] of sizesBefore) {
      const sizeAfterBytes = vanished.includes(filePath) ? 0 : await this.sizeOf(filePath);
      if (sizeAfterBytes !== sizeBeforeBytes) files.push({ path: filePath, sizeBeforeBytes, sizeAfterBytes });
    }
    return { files, vanished, ...(torn === undefined ? {} : { torn }) };
  }

  /** Flips one bit of a file at rest, as bit rot does: no write, no journal, survives crashes. */
  async flipBit(filePath: string, position: number, bit = 0): Promise<void> {
    const file = await this.inner.open(filePath);
    try {
      const byte = Buffer.alloc(1);
      if ((await file.read(byte, 0, 1, position)) !== 1) throw new RangeError(`${filePath} has no byte ${position}`);
      byte[0] = (byte[0] as number) ^ (1 << bit);
      await file.write([byte], position);
    } finally {
      await file.close();
    }
  }

  // ---- called by mounted file systems and their files ----

  assertAlive(generation: number): void {
    if (generation !== this.generation) {
      const error: NodeJS.ErrnoException = new Error('EIO: the simulated process crashed');
      error.code = 'EIO';
      throw error;
    }
  }

  innerFileSystem(): LogFileSystem {
    return this.inner;
  }

  async noteOpen(filePath: string): Promise<void> {
    const names = await this.inner.list(path.dirname(filePath));
    if (!names.includes(path.basename(filePath))) this.created.add(normalize(filePath));
  }

  noteRemove(filePath: string): void {
    const normalized = normalize(filePath);
    this.created.delete(normalized);
    this.journal = this.journal.filter((change) => change.path !== normalized);
  }

  noteRemoveDir(directory: string): void {
    const prefix = `${normalize(directory)}/`;
    for (const filePath of [...this.created]) if (filePath.startsWith(prefix)) this.created.delete(filePath);
    this.journal = this.journal.filter((change) => !change.path.startsWith(prefix));
  }

  noteSyncDir(directory: string): void {
    const normalized = normalize(directory);
    for (const filePath of [...this.created]) if (path.dirname(filePath) === normalized) this.created.delete(filePath);
  }

  noteSynced(filePath: string): void {
    const normalized = normalize(filePath);
    this.journal = this.journal.filter((change) => change.path !== normalized);
  }

  /** Notes a change about to be made (the caller applies it and sets `applied`); EIO after a crash. */
  async noteChange(
    file: LogFile,
    generation: number,
    change: Omit<UnsyncedChange, 'preimage' | 'applied'>,
  ): Promise<UnsyncedChange> {
    // A write overwrites [position, position + length); a truncation drops [position, old size).
    const reach = change.kind === 'write' ? change.position + change.bytes.length : change.sizeBeforeBytes;
    const end = Math.min(reach, change.sizeBeforeBytes);
    const preimage = Buffer.alloc(Math.max(end - change.position, 0));
    if (preimage.length > 0) await file.read(preimage, 0, preimage.length, change.position);
    this.assertAlive(generation);
    const noted = { ...change, path: normalize(change.path), preimage, applied: false };
    this.journal.push(noted);
    return noted;
  }

  async writeLatency(): Promise<void> {
    for (let turn = 0; turn < (this.options.writeLatencyTurns ?? 0); turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  // ---- crash mechanics ----

  private async sizeOf(filePath: string): Promise<number> {
    const file = await this.inner.open(filePath);
    try {
      return file.size();
    } finally {
      await file.close();
    }
  }

  private async withFile(filePath: string, action: (file: LogFile) => Promise<void>): Promise<void> {
    const file = await this.inner.open(filePath);
    try {
      await action(file);
    } finally {
      await file.close();
    }
  }

  private undo(change: UnsyncedChange): Promise<void> {
    return this.withFile(change.path, async (file) => {
      if (change.preimage.length > 0) await file.write([change.preimage], change.position);
      await file.truncate(change.sizeBeforeBytes);
    });
  }

  private redo(change: UnsyncedChange, keptBytes = change.bytes.length): Promise<void> {
    return this.withFile(change.path, async (file) => {
      if (change.kind === 'truncate') await file.truncate(change.position);
      else if (keptBytes > 0) await file.write([change.bytes.subarray(0, keptBytes)], change.position);
    });
  }

  /** Applies a prefix of an in-flight write and journals it as an unsynced change. */
  private async tear(change: UnsyncedChange, keptBytes: number | undefined): Promise<CrashReport['torn']> {
    const kept = this.tornBytes(change, keptBytes);
    await this.redo(change, kept);
    this.journal.push({ ...change, bytes: change.bytes.subarray(0, kept), applied: true });
    return { path: change.path, position: change.position, writeBytes: change.bytes.length, keptBytes: kept };
  }

  private async redoPrefix(journal: readonly UnsyncedChange[], options: CrashOptions): Promise<CrashReport['torn']> {
    const randomCount = Math.floor(this.random() * (journal.length + 1));
    const count = Math.min(options.keptChangeCount ?? randomCount, journal.length);
    for (const change of journal.slice(0, count)) await this.redo(change);
    const next = journal[count];
    if (next === undefined || next.kind !== 'write' || next.bytes.length === 0) return undefined;
    const kept = this.tornBytes(next, options.tornWriteKeptBytes);
    await this.redo(next, kept);
    return { path: next.path, position: next.position, writeBytes: next.bytes.length, keptBytes: kept };
  }

  private tornBytes(change: UnsyncedChange, keptBytes: number | undefined): number {
    return Math.min(keptBytes ?? Math.floor(this.random() * change.bytes.length), change.bytes.length);
  }
}

class MountedFileSystem implements LogFileSystem {
  constructor(
    private readonly disk: FaultyFileSystem,
    private readonly generation: number,
  ) {}

  private get inner(): LogFileSystem {
    this.disk.assertAlive(this.generation);
    return this.disk.innerFileSystem();
  }

  mkdirp(directory: string): Promise<void> {
    return this.inner.mkdirp(directory);
  }

  list(directory: string): Promise<string[]> {
    return this.inner.list(directory);
  }

  async open(filePath: string): Promise<LogFile> {
    const inner = this.inner;
    await this.disk.noteOpen(filePath);
    this.disk.assertAlive(this.generation);
    return new FaultyLogFile(this.disk, this.generation, filePath, await inner.open(filePath));
  }

  async remove(filePath: string): Promise<void> {
    await this.inner.remove(filePath);
    this.disk.noteRemove(filePath);
  }

  async removeDir(directory: string): Promise<void> {
    await this.inner.removeDir(directory);
    this.disk.noteRemoveDir(directory);
  }

  async syncDir(directory: string): Promise<void> {
    await this.inner.syncDir(directory);
    this.disk.noteSyncDir(directory);
  }
}

class FaultyLogFile implements LogFile {
  constructor(
    private readonly disk: FaultyFileSystem,
    private readonly generation: number,
    private readonly filePath: string,
    private readonly inner: LogFile,
  ) {}

  size(): number {
    return this.inner.size();
  }

  async write(buffers: readonly Buffer[], position: number): Promise<void> {
    this.disk.assertAlive(this.generation);
    const bytes = Buffer.concat(buffers);
    const change = await this.disk.noteChange(this.inner, this.generation, {
      path: this.filePath,
      kind: 'write',
      position,
      bytes,
      sizeBeforeBytes: this.inner.size(),
    });
    await this.disk.writeLatency();
    // A crash while the write was in flight decided its fate (dropped, or torn): it never returns.
    this.disk.assertAlive(this.generation);
    // The memory file system applies the bytes when called, so the change is in the file from here.
    const writing = this.inner.write([bytes], position);
    change.applied = true;
    await writing;
  }

  async sync(): Promise<void> {
    this.disk.assertAlive(this.generation);
    await this.disk.beforeSync?.(this.filePath);
    // A crash while the sync was held means it never completed.
    this.disk.assertAlive(this.generation);
    await this.inner.sync();
    this.disk.noteSynced(this.filePath);
  }

  async read(target: Buffer, targetOffset: number, length: number, position: number): Promise<number> {
    this.disk.assertAlive(this.generation);
    return this.inner.read(target, targetOffset, length, position);
  }

  async truncate(sizeBytes: number): Promise<void> {
    this.disk.assertAlive(this.generation);
    const sizeBeforeBytes = this.inner.size();
    // A truncation to the current size changes nothing, so there is nothing for a crash to undo.
    if (sizeBytes === sizeBeforeBytes) return this.inner.truncate(sizeBytes);
    const change = await this.disk.noteChange(this.inner, this.generation, {
      path: this.filePath,
      kind: 'truncate',
      position: sizeBytes,
      bytes: Buffer.alloc(0),
      sizeBeforeBytes,
    });
    const truncating = this.inner.truncate(sizeBytes);
    change.applied = true;
    await truncating;
  }

  async close(): Promise<void> {
    // Closing after a crash is allowed: the dead process's handles are gone either way.
    await this.inner.close();
  }
}

function normalize(filePath: string): string {
  return path.resolve('/', filePath);
}
