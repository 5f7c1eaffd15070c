/**
 * A MetaStore in process memory, for `--in-memory` mode and tests. Same semantics as the LMDB
 * store (see meta-rules.ts): values are stored as JSON text, so every read returns a fresh copy
 * that the caller may mutate, exactly as reads from LMDB do.
 */
import type { MetaStore, Versioned } from '../ports.js';
import { assertExpectedVersion, assertJsonValue, assertMetaKey, compareMetaKeys } from './meta-rules.js';

interface StoredEntry {
  readonly json: string;
  readonly version: number;
}

export class MemoryMetaStore implements MetaStore {
  private readonly entries = new Map<string, StoredEntry>();
  private revision = 0;
  private closed = false;

  get<T>(key: string): Versioned<T> | undefined {
    this.assertOpen();
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : { value: JSON.parse(entry.json) as T, version: entry.version };
  }

  list<T>(prefix: string): Array<{ key: string } & Versioned<T>> {
    this.assertOpen();
    const keys = [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort(compareMetaKeys);
    return keys.map((key) => {
      const entry = this.entries.get(key) as StoredEntry;
      return { key, value: JSON.parse(entry.json) as T, version: entry.version };
    });
  }

  /** Bad arguments are programmer errors: they throw synchronously instead of rejecting. */
  put<T>(key: string, value: T, expectedVersion?: number | null): Promise<boolean> {
    this.assertOpen();
    assertMetaKey(key);
    assertJsonValue(value);
    assertExpectedVersion(expectedVersion);
    if (!this.holds(key, expectedVersion)) return Promise.resolve(false);
    this.revision += 1;
    this.entries.set(key, { json: JSON.stringify(value), version: this.revision });
    return Promise.resolve(true);
  }

  remove(key: string, expectedVersion?: number): Promise<boolean> {
    this.assertOpen();
    assertMetaKey(key);
    assertExpectedVersion(expectedVersion);
    if (!this.entries.has(key) || !this.holds(key, expectedVersion)) return Promise.resolve(false);
    this.revision += 1;
    this.entries.delete(key);
    return Promise.resolve(true);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private holds(key: string, expectedVersion: number | null | undefined): boolean {
    if (expectedVersion === undefined) return true;
    const current = this.entries.get(key);
    return expectedVersion === null ? current === undefined : current?.version === expectedVersion;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the meta store is closed');
  }
}
