/**
 * Where a consumer application keeps its leases and checkpoints: one lease per shard, held by at
 * most one worker. Two implementations pass the same conformance suite (lease-store-suite.ts):
 * the native one keeps leases in Tributary itself (its `TributaryLeases_20261126` extension API),
 * the DynamoDB one uses a table with KCL's lease schema, so the consumer also works against AWS.
 *
 * Every change is conditional (compare-and-set), as KCL's DynamoDB lease refresher is: a change
 * whose expectation no longer holds returns `undefined` / `false` and changes nothing. Expiry is
 * never judged by comparing clocks across machines: the owner bumps `leaseCounter` on every renewal,
 * and another worker treats a lease as expired when its counter has not moved for the failover
 * time measured on its own clock (KCL's rule).
 */

/** Where processing of a shard starts when the lease has no sequence-number checkpoint yet. */
export type CheckpointSentinel = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP' | 'SHARD_END';

export interface Lease {
  /** The shard id (one stream per application, as KCL's single-stream mode). */
  readonly leaseKey: string;
  /** The worker holding the lease; undefined when nobody does. */
  readonly leaseOwner?: string | undefined;
  /** Bumped by every renew, take, evict and checkpoint. */
  readonly leaseCounter: number;
  /** A sequence number (decimal string) or a sentinel; `SHARD_END` once the shard is finished. */
  readonly checkpoint: string;
  /** Sub-record index inside a KPL aggregate at `checkpoint` (0 for plain records). */
  readonly checkpointSubSequenceNumber: number;
  /** Owner changes since the last checkpoint (KCL's ownerSwitchesSinceCheckpoint). */
  readonly ownerSwitchesSinceCheckpoint: number;
  /** Parent shard ids (0, 1 or 2); children start only once every parent's lease is at SHARD_END or gone. */
  readonly parentShardIds: readonly string[];
  /** Child shard ids, written when the shard ends. */
  readonly childShardIds?: readonly string[] | undefined;
  /** The shard's hash-key range, decimal strings. */
  readonly startingHashKey?: string | undefined;
  readonly endingHashKey?: string | undefined;
}

export interface LeaseStore {
  /** Creates the lease table when missing and waits until it can be used. Idempotent. */
  ensureTable(): Promise<void>;
  /** Every lease of the application (all pages). */
  listLeases(): Promise<Lease[]>;
  getLease(leaseKey: string): Promise<Lease | undefined>;
  /** Creates the lease when no lease has that key; false when one already exists. */
  createLeaseIfNotExists(lease: Lease): Promise<boolean>;
  /**
   * The owner renews: succeeds when the stored counter and owner still equal `lease`'s; the
   * counter goes up by one. Returns the lease as stored after the change.
   */
  renewLease(lease: Lease): Promise<Lease | undefined>;
  /**
   * Takes an expired or released lease (or steals one when balancing): succeeds when the stored
   * counter still equals `lease.leaseCounter`; sets the owner, bumps the counter, and bumps
   * ownerSwitchesSinceCheckpoint when the owner changes.
   */
  takeLease(lease: Lease, owner: string): Promise<Lease | undefined>;
  /** Gives a lease up (graceful shutdown, balancing): succeeds when `owner` still holds it; clears the owner, bumps the counter. */
  evictLease(leaseKey: string, owner: string): Promise<boolean>;
  /**
   * Records progress: succeeds when `owner` still holds the lease; sets checkpoint and
   * sub-sequence number, resets ownerSwitchesSinceCheckpoint, bumps the counter; `childShardIds`
   * when given (at shard end). Returns the lease as stored after the change.
   */
  checkpoint(
    leaseKey: string,
    owner: string,
    checkpoint: string,
    checkpointSubSequenceNumber: number,
    childShardIds?: readonly string[],
  ): Promise<Lease | undefined>;
  /** Removes a lease (a finished parent whose children are processing); true when it existed. */
  deleteLease(leaseKey: string): Promise<boolean>;
}
