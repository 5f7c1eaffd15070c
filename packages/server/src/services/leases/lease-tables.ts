/**
 * Lease tables in the MetaStore, with the concurrency rules that make a conditional write safe:
 *
 * - A table is one document `leasetable/<application>` holding a random table id and its
 *   creation time; each lease is `lease/<application>/<leaseKey>` holding the table id and the
 *   lease. Application names cannot contain `/`, so one application's prefix never covers
 *   another's keys. A lease whose table id is not its table's current one (left over by a
 *   DeleteLeaseTable that crashed half-way, then a CreateLeaseTable of the same name) is never
 *   served and is removed at the next start.
 * - Writes to one lease key run one at a time (KeyedQueue), and each write is also a
 *   compare-and-set on the MetaStore version read inside that turn, so two concurrent requests can
 *   never both satisfy a condition that only one of them should.
 * - DeleteLeaseTable first makes the table invisible, then waits for the lease writes already in
 *   flight, then removes the leases (each with the version it saw, so a lease of a new table of
 *   the same name is never removed).
 */
import { randomBytes } from 'node:crypto';
import type { MetaStore } from '../../storage/ports.js';

/** How leases are kept (camelCase inside; the wire names are in operations.ts). */
export interface StoredLease {
  readonly leaseKey: string;
  readonly leaseOwner?: string;
  readonly leaseCounter: number;
  readonly checkpoint: string;
  readonly checkpointSubSequenceNumber: number;
  readonly ownerSwitchesSinceCheckpoint: number;
  readonly parentShardIds: readonly string[];
  readonly childShardIds?: readonly string[];
  readonly startingHashKey?: string;
  readonly endingHashKey?: string;
}

interface TableDocument {
  readonly tableId: string;
  readonly creationMs: number;
}

interface LeaseDocument {
  readonly tableId: string;
  readonly lease: StoredLease;
}

export interface LeaseTable {
  readonly application: string;
  readonly tableId: string;
  readonly creationMs: number;
  leaseCount: number;
  /** Lease writes under way; DeleteLeaseTable waits for them to finish. */
  writesInFlight: number;
  onIdle: Array<() => void>;
}

export const leaseLimits = {
  /** Lease tables (applications) per server: each is held in memory with its lease count. */
  tablesMax: 1000,
  /**
   * Leases per table. A ListLeases page reads the table's leases from the MetaStore, so this
   * bounds its cost; KCL keeps one lease per shard, and Kinesis allows 500 shards per on-demand
   * stream and (by default quota) a few thousand per account.
   */
  leasesPerTableMax: 10_000,
  /** Leases removed at once by DeleteLeaseTable (their durable writes share fsyncs). */
  removalBatchSize: 100,
} as const;

const tablePrefix = 'leasetable/';
const leasePrefix = 'lease/';

const tableKey = (application: string): string => `${tablePrefix}${application}`;
const leasesPrefixOf = (application: string): string => `${leasePrefix}${application}/`;
const leaseKeyOf = (application: string, leaseKey: string): string => `${leasesPrefixOf(application)}${leaseKey}`;

/** Runs tasks with the same key one after another, in arrival order. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}

/** The outcome of a conditional change: written, the condition failed, or no table. */
export type ChangeResult<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'condition-failed' }
  | { readonly kind: 'no-table' };

/** What a lease change decides from the stored lease (undefined: none): write, remove, or refuse. */
export type LeaseDecision =
  | { readonly kind: 'put'; readonly lease: StoredLease }
  | { readonly kind: 'remove' }
  | { readonly kind: 'refuse' };

/** Retries of a compare-and-set that lost to a write outside the key's queue (table cleanup). */
const casAttemptsMax = 3;

export class LeaseTables {
  readonly #meta: MetaStore;
  readonly #clock: () => number;
  readonly #tables = new Map<string, LeaseTable>();
  readonly #queue = new KeyedQueue();

  constructor(meta: MetaStore, clock: () => number) {
    this.#meta = meta;
    this.#clock = clock;
  }

  /** Reads the tables and counts their leases; removes leases of tables that no longer exist. */
  async load(): Promise<void> {
    for (const entry of this.#meta.list<TableDocument>(tablePrefix)) {
      const application = entry.key.slice(tablePrefix.length);
      this.#tables.set(application, newTable(application, entry.value));
    }
    const orphans: Array<{ key: string; version: number }> = [];
    for (const entry of this.#meta.list<LeaseDocument>(leasePrefix)) {
      const application = entry.key.slice(leasePrefix.length, entry.key.indexOf('/', leasePrefix.length));
      const table = this.#tables.get(application);
      if (table !== undefined && table.tableId === entry.value.tableId) table.leaseCount++;
      else orphans.push({ key: entry.key, version: entry.version });
    }
    await this.#removeAll(orphans);
  }

  find(application: string): LeaseTable | undefined {
    return this.#tables.get(application);
  }

  /** Application names in key order. */
  names(): string[] {
    return [...this.#tables.keys()].sort();
  }

  /** Creates a table: 'exists' when it does already, 'limit' when there are too many. */
  create(application: string): Promise<LeaseTable | 'exists' | 'limit'> {
    return this.#queue.run(`table/${application}`, async () => {
      if (this.#tables.has(application)) return 'exists';
      if (this.#tables.size >= leaseLimits.tablesMax) return 'limit';
      const document: TableDocument = { tableId: randomBytes(8).toString('hex'), creationMs: this.#clock() };
      // The document cannot exist: deletion removes it before its table leaves the queue.
      if (!(await this.#meta.put(tableKey(application), document, null))) return 'exists';
      const table = newTable(application, document);
      this.#tables.set(application, table);
      return table;
    });
  }

  /** Deletes a table and its leases; false when there is no such table. */
  delete(application: string): Promise<boolean> {
    return this.#queue.run(`table/${application}`, async () => {
      const table = this.#tables.get(application);
      if (table === undefined) return false;
      this.#tables.delete(application);
      await this.#meta.remove(tableKey(application));
      if (table.writesInFlight > 0) await new Promise<void>((resolve) => table.onIdle.push(resolve));
      const leases = this.#meta
        .list<LeaseDocument>(leasesPrefixOf(application))
        .filter((entry) => entry.value.tableId === table.tableId);
      await this.#removeAll(leases);
      return true;
    });
  }

  /** The table's leases in key order (an empty list for an unknown table). */
  leases(table: LeaseTable): StoredLease[] {
    return this.#meta
      .list<LeaseDocument>(leasesPrefixOf(table.application))
      .filter((entry) => entry.value.tableId === table.tableId)
      .map((entry) => entry.value.lease);
  }

  lease(table: LeaseTable, leaseKey: string): StoredLease | undefined {
    const entry = this.#meta.get<LeaseDocument>(leaseKeyOf(table.application, leaseKey));
    return entry !== undefined && entry.value.tableId === table.tableId ? entry.value.lease : undefined;
  }

  /**
   * Applies `decide` to the stored lease (undefined: none) and stores what it decides, atomically:
   * one change per key at a time, and each a compare-and-set on the version `decide` saw.
   */
  change(
    application: string,
    leaseKey: string,
    decide: (stored: StoredLease | undefined) => LeaseDecision,
  ): Promise<ChangeResult<StoredLease | undefined> | { readonly kind: 'limit' }> {
    return this.#queue.run(`lease/${application}/${leaseKey}`, async () => {
      const table = this.#tables.get(application);
      if (table === undefined) return { kind: 'no-table' } as const;
      table.writesInFlight++;
      try {
        return await this.#changeIn(table, leaseKey, decide);
      } finally {
        table.writesInFlight--;
        if (table.writesInFlight === 0) for (const resolve of table.onIdle.splice(0)) resolve();
      }
    });
  }

  async #changeIn(
    table: LeaseTable,
    leaseKey: string,
    decide: (stored: StoredLease | undefined) => LeaseDecision,
  ): Promise<ChangeResult<StoredLease | undefined> | { readonly kind: 'limit' }> {
    const key = leaseKeyOf(table.application, leaseKey);
    for (let attempt = 0; attempt < casAttemptsMax; attempt++) {
      const entry = this.#meta.get<LeaseDocument>(key);
      const current = entry !== undefined && entry.value.tableId === table.tableId ? entry.value.lease : undefined;
      const decision = decide(current);
      if (decision.kind === 'refuse') return { kind: 'condition-failed' };
      if (decision.kind === 'remove') {
        if (current === undefined || entry === undefined) return { kind: 'done', value: undefined };
        if (!(await this.#meta.remove(key, entry.version))) continue;
        table.leaseCount--;
        return { kind: 'done', value: current };
      }
      if (current === undefined && table.leaseCount >= leaseLimits.leasesPerTableMax) return { kind: 'limit' };
      const document: LeaseDocument = { tableId: table.tableId, lease: decision.lease };
      if (!(await this.#meta.put(key, document, entry?.version ?? null))) continue;
      if (current === undefined) table.leaseCount++;
      return { kind: 'done', value: decision.lease };
    }
    // Only a write outside the queue (the cleanup of an older table's lease) can interfere, and
    // only once; failing the condition is the safe answer if it ever repeats.
    return { kind: 'condition-failed' };
  }

  async #removeAll(entries: ReadonlyArray<{ key: string; version: number }>): Promise<void> {
    for (let start = 0; start < entries.length; start += leaseLimits.removalBatchSize) {
      const batch = entries.slice(start, start + leaseLimits.removalBatchSize);
      await Promise.all(batch.map((entry) => this.#meta.remove(entry.key, entry.version)));
    }
  }
}

function newTable(application: string, document: TableDocument): LeaseTable {
  return {
    application,
    tableId: document.tableId,
    creationMs: document.creationMs,
    leaseCount: 0,
    writesInFlight: 0,
    onIdle: [],
  };
}
