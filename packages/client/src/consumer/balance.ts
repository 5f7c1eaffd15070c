/**
 * Which leases a worker takes in one pass, by KCL's lease-taker rules: leases of dead workers (and
 * unowned ones) first; otherwise steal at most one lease from the most loaded worker when it holds
 * more than its share. Each worker only ever takes, never gives away, so N workers converge on an
 * even split of M leases (⌈M/N⌉ or ⌊M/N⌋ each) within a few passes.
 */
import type { Lease } from '../leases/lease-store.js';

export interface TakePlan {
  /** Leases to take that nobody holds (unowned, expired, or owned by this worker id in a former life). */
  readonly available: readonly Lease[];
  /** A lease to steal from the most loaded worker, when nothing is available and the split is uneven. */
  readonly steal: Lease | undefined;
  /** This worker's fair share: ⌈unfinished leases / live workers⌉. */
  readonly target: number;
}

export interface PlanInput {
  /** Every lease in the table. Finished ones (SHARD_END) are never taken and count for nobody. */
  readonly leases: readonly Lease[];
  readonly workerId: string;
  /** Leases this worker holds and renews. */
  readonly held: ReadonlySet<string>;
  /** Whether the lease's owner is gone: its counter has not moved for the failover time. */
  readonly isExpired: (lease: Lease) => boolean;
  /** Returns a number in [0, 1), to spread competing workers over different leases. */
  readonly random: () => number;
}

export function planTake(input: PlanInput): TakePlan {
  const unfinished = input.leases.filter((lease) => lease.checkpoint !== 'SHARD_END');
  const available: Lease[] = [];
  // Live workers are the owners of leases that are not expired; this worker always counts.
  const counts = new Map<string, number>([[input.workerId, 0]]);
  for (const lease of unfinished) {
    if (input.held.has(lease.leaseKey)) {
      counts.set(input.workerId, (counts.get(input.workerId) ?? 0) + 1);
    } else if (lease.leaseOwner === undefined || lease.leaseOwner === input.workerId || input.isExpired(lease)) {
      available.push(lease);
    } else {
      counts.set(lease.leaseOwner, (counts.get(lease.leaseOwner) ?? 0) + 1);
    }
  }
  const target = Math.ceil(unfinished.length / counts.size);
  const needed = target - (counts.get(input.workerId) ?? 0);
  if (needed <= 0) return { available: [], steal: undefined, target };
  if (available.length > 0)
    return { available: shuffled(available, input.random).slice(0, needed), steal: undefined, target };
  let mostLoaded: string | undefined;
  let mostLoadedCount = 0;
  for (const [owner, count] of counts) {
    if (owner !== input.workerId && count > mostLoadedCount) {
      mostLoaded = owner;
      mostLoadedCount = count;
    }
  }
  // KCL: steal when the most loaded worker is above the target, or at it while this worker needs
  // more than one (otherwise a new worker would never get a lease when M is a multiple of N).
  const shouldSteal = mostLoadedCount > target || (mostLoadedCount === target && needed > 1);
  if (mostLoaded === undefined || !shouldSteal) return { available: [], steal: undefined, target };
  const candidates = unfinished.filter((lease) => lease.leaseOwner === mostLoaded);
  return { available: [], steal: candidates[Math.floor(input.random() * candidates.length)], target };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    const item = copy[index] as T;
    copy[index] = copy[other] as T;
    copy[other] = item;
  }
  return copy;
}
