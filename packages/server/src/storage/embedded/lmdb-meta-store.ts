/**
 * The MetaStore over LMDB (`lmdb` package): streams, shards, consumers, leases, checkpoints.
 * Semantics shared with MemoryMetaStore are in meta-rules.ts (store-wide revisions as versions,
 * plain JSON values, UTF-8 key order).
 *
 * Every write runs in an LMDB write transaction whose callback re-reads the entry, so the
 * version check and the write are atomic; the promise resolves only after `flushed`, i.e. when
 * the commit is synced to disk (lmdb-js's default overlapping sync otherwise resolves at commit).
 */
import { type Database, open, type RootDatabase } from 'lmdb';
import type { MetaStore, Versioned } from '../ports.js';
import { assertExpectedVersion, assertJsonValue, assertMetaKey } from './meta-rules.js';

export interface LmdbMetaStoreOptions {
  /** Directory of the LMDB environment (created when missing). */
  readonly path: string;
}

/** The named database holding the entries (JSON values); lmdb-read-only.ts reads it too. */
export const entriesDatabaseName = 'entries';

/** Key of the revision counter in the `state` database. */
const revisionKey = 'revision';

export class LmdbMetaStore implements MetaStore {
  private readonly root: RootDatabase;
  /**
   * Named databases, not the root one: LMDB lists named databases as keys of the root database,
   * which would leak into `list('')`.
   */
  private readonly entries: Database<unknown, string>;
  private readonly state: Database<number, string>;

  constructor(options: LmdbMetaStoreOptions) {
    // JSON encoding rather than lmdb's default msgpack: it round-trips exactly what the memory
    // store round-trips, and metadata is small enough that encoding speed does not matter.
    this.root = open({ path: options.path });
    this.entries = this.root.openDB<unknown, string>({
      name: entriesDatabaseName,
      encoding: 'json',
      useVersions: true,
    });
    this.state = this.root.openDB<number, string>({ name: 'state', encoding: 'json' });
  }

  get<T>(key: string): Versioned<T> | undefined {
    const entry = this.entries.getEntry(key);
    if (entry === undefined) return undefined;
    return { value: entry.value as T, version: versionOf(entry.version) };
  }

  list<T>(prefix: string): Array<{ key: string } & Versioned<T>> {
    const found: Array<{ key: string } & Versioned<T>> = [];
    for (const entry of this.entries.getRange({ start: prefix, versions: true })) {
      // Keys sort by UTF-8 bytes, so every key with the prefix follows it contiguously.
      if (!entry.key.startsWith(prefix)) break;
      found.push({ key: entry.key, value: entry.value as T, version: versionOf(entry.version) });
    }
    return found;
  }

  /** Bad arguments are programmer errors: they throw synchronously instead of rejecting. */
  put<T>(key: string, value: T, expectedVersion?: number | null): Promise<boolean> {
    assertMetaKey(key);
    assertJsonValue(value);
    assertExpectedVersion(expectedVersion);
    return this.write(() => {
      if (!this.holds(key, expectedVersion)) return false;
      this.entries.putSync(key, value, this.nextRevision());
      return true;
    });
  }

  remove(key: string, expectedVersion?: number): Promise<boolean> {
    assertMetaKey(key);
    assertExpectedVersion(expectedVersion);
    return this.write(() => {
      if (!this.entries.doesExist(key) || !this.holds(key, expectedVersion)) return false;
      this.nextRevision();
      return this.entries.removeSync(key);
    });
  }

  async close(): Promise<void> {
    await this.root.flushed;
    await this.root.close();
  }

  /** Runs `change` inside a write transaction and resolves once the commit is on disk. */
  private async write(change: () => boolean): Promise<boolean> {
    const written = await this.entries.transaction(change);
    await this.root.flushed;
    return written;
  }

  /** Must run inside a write transaction: reads see the transaction's own state there. */
  private holds(key: string, expectedVersion: number | null | undefined): boolean {
    if (expectedVersion === undefined) return true;
    const current = this.entries.getEntry(key);
    return expectedVersion === null
      ? current === undefined
      : current !== undefined && current.version === expectedVersion;
  }

  /** Must run inside a write transaction. */
  private nextRevision(): number {
    const revision = (this.state.get(revisionKey) ?? 0) + 1;
    this.state.putSync(revisionKey, revision);
    return revision;
  }
}

function versionOf(version: number | undefined): number {
  // useVersions is set on the database, so every entry carries one; its absence is a bug.
  if (version === undefined) throw new Error('LMDB entry without a version');
  return version;
}
