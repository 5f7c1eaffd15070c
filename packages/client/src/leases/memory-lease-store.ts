/**
 * A LeaseStore in one process's memory, for unit tests of the consumer. Every method applies its
 * condition and change in one synchronous step, so concurrent calls from one process behave as
 * the durable stores' compare-and-set does. Leases are copied in and out: callers never hold a
 * reference into the store.
 */
import { LeaseTableNotFoundError } from './lease-errors.js';
import type { Lease, LeaseStore } from './lease-store.js';
import { compareLeaseKeys, canonicalLease as copyLease, leaseTransitions } from './lease-values.js';

export class MemoryLeaseStore implements LeaseStore {
  readonly #leases = new Map<string, Lease>();
  #tableExists = false;

  async ensureTable(): Promise<void> {
    this.#tableExists = true;
  }

  async listLeases(): Promise<Lease[]> {
    this.#assertTable();
    return [...this.#leases.values()].sort(compareLeaseKeys).map(copyLease);
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    this.#assertTable();
    const lease = this.#leases.get(leaseKey);
    return lease === undefined ? undefined : copyLease(lease);
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    this.#assertTable();
    if (this.#leases.has(lease.leaseKey)) return false;
    this.#leases.set(lease.leaseKey, copyLease(lease));
    return true;
  }

  async renewLease(lease: Lease): Promise<Lease | undefined> {
    this.#assertTable();
    const stored = this.#leases.get(lease.leaseKey);
    if (stored === undefined || stored.leaseCounter !== lease.leaseCounter) return undefined;
    if (stored.leaseOwner === undefined || stored.leaseOwner !== lease.leaseOwner) return undefined;
    return this.#store(leaseTransitions.renewed(stored));
  }

  async takeLease(lease: Lease, owner: string): Promise<Lease | undefined> {
    this.#assertTable();
    const stored = this.#leases.get(lease.leaseKey);
    if (stored === undefined || stored.leaseCounter !== lease.leaseCounter) return undefined;
    return this.#store(leaseTransitions.taken(stored, owner));
  }

  async evictLease(leaseKey: string, owner: string): Promise<boolean> {
    this.#assertTable();
    const stored = this.#leases.get(leaseKey);
    if (stored === undefined || stored.leaseOwner !== owner) return false;
    this.#store(leaseTransitions.evicted(stored));
    return true;
  }

  async checkpoint(
    leaseKey: string,
    owner: string,
    checkpoint: string,
    checkpointSubSequenceNumber: number,
    childShardIds?: readonly string[],
  ): Promise<Lease | undefined> {
    this.#assertTable();
    const stored = this.#leases.get(leaseKey);
    if (stored === undefined || stored.leaseOwner !== owner) return undefined;
    return this.#store(leaseTransitions.checkpointed(stored, checkpoint, checkpointSubSequenceNumber, childShardIds));
  }

  async deleteLease(leaseKey: string): Promise<boolean> {
    this.#assertTable();
    return this.#leases.delete(leaseKey);
  }

  #store(lease: Lease): Lease {
    this.#leases.set(lease.leaseKey, lease);
    return copyLease(lease);
  }

  /** The durable stores answer "table not found" before ensureTable(); so does this one, to keep tests honest. */
  #assertTable(): void {
    if (!this.#tableExists)
      throw new LeaseTableNotFoundError('The lease table does not exist: call ensureTable() first.');
  }
}
