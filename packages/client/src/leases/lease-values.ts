/**
 * Helpers shared by the lease stores: one canonical shape for a Lease (optional members absent
 * rather than undefined; no empty childShardIds and parent and child shard ids in code-unit
 * order — DynamoDB stores them as string sets, which cannot be empty and have no order), so every
 * store returns the same object for the same stored lease and tests can compare them exactly.
 */
import type { Lease } from './lease-store.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The canonical copy of `lease` with `changes` applied; `undefined` in `changes` removes a member. */
export function leaseWith(lease: Lease, changes: Partial<Mutable<Lease>>): Lease {
  const merged = { ...lease, ...changes };
  const result: Mutable<Lease> = {
    leaseKey: merged.leaseKey,
    leaseCounter: merged.leaseCounter,
    checkpoint: merged.checkpoint,
    checkpointSubSequenceNumber: merged.checkpointSubSequenceNumber,
    ownerSwitchesSinceCheckpoint: merged.ownerSwitchesSinceCheckpoint,
    parentShardIds: [...merged.parentShardIds].sort(),
  };
  if (merged.leaseOwner !== undefined) result.leaseOwner = merged.leaseOwner;
  if (merged.childShardIds !== undefined && merged.childShardIds.length > 0) {
    result.childShardIds = [...merged.childShardIds].sort();
  }
  if (merged.startingHashKey !== undefined) result.startingHashKey = merged.startingHashKey;
  if (merged.endingHashKey !== undefined) result.endingHashKey = merged.endingHashKey;
  return result;
}

/** The canonical form of a lease (see leaseWith). */
export function canonicalLease(lease: Lease): Lease {
  return leaseWith(lease, {});
}

/** A new, unowned lease for a shard, as the consumer creates it when it first sees the shard. */
export function newLease(
  leaseKey: string,
  options: {
    checkpoint: string;
    parentShardIds?: readonly string[];
    startingHashKey?: string;
    endingHashKey?: string;
  },
): Lease {
  return leaseWith(
    {
      leaseKey,
      leaseCounter: 0,
      checkpoint: options.checkpoint,
      checkpointSubSequenceNumber: 0,
      ownerSwitchesSinceCheckpoint: 0,
      parentShardIds: options.parentShardIds ?? [],
    },
    {
      ...(options.startingHashKey === undefined ? {} : { startingHashKey: options.startingHashKey }),
      ...(options.endingHashKey === undefined ? {} : { endingHashKey: options.endingHashKey }),
    },
  );
}

/** Lease keys in the order every store lists them (code-unit order, as DynamoDB's Scan is not). */
export function compareLeaseKeys(a: Lease, b: Lease): number {
  return a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0;
}

/**
 * The lease after each change of the LeaseStore contract (lease-store.ts), for the stores that
 * compute it themselves (memory, native); the DynamoDB store says the same in update expressions.
 */
export const leaseTransitions = {
  renewed: (stored: Lease): Lease => leaseWith(stored, { leaseCounter: stored.leaseCounter + 1 }),
  taken: (stored: Lease, owner: string): Lease =>
    leaseWith(stored, {
      leaseOwner: owner,
      leaseCounter: stored.leaseCounter + 1,
      ownerSwitchesSinceCheckpoint: stored.ownerSwitchesSinceCheckpoint + (stored.leaseOwner === owner ? 0 : 1),
    }),
  evicted: (stored: Lease): Lease =>
    leaseWith(stored, { leaseOwner: undefined, leaseCounter: stored.leaseCounter + 1 }),
  checkpointed: (
    stored: Lease,
    checkpoint: string,
    checkpointSubSequenceNumber: number,
    childShardIds: readonly string[] | undefined,
  ): Lease =>
    leaseWith(stored, {
      checkpoint,
      checkpointSubSequenceNumber,
      ownerSwitchesSinceCheckpoint: 0,
      leaseCounter: stored.leaseCounter + 1,
      ...(childShardIds === undefined ? {} : { childShardIds: [...childShardIds] }),
    }),
};
