/**
 * One worker's side of the lease protocol: it renews the leases it holds every failoverTimeMs / 3,
 * and every failoverTimeMs / 3 as well it lists the table, watches every other lease's counter on
 * its own clock and takes expired leases, or steals one to balance (balance.ts).
 *
 * Expiry follows KCL: a lease is expired when its counter has not changed for failoverTimeMs since
 * this worker first saw the current value; clocks of different machines are never compared. A
 * lease whose renewal fails its condition was taken by someone else: processing of that shard
 * stops at once. A lease this worker could not renew for failoverTimeMs (store unreachable) is
 * given up too, since others may already have taken it.
 *
 * Every store call for one lease (renew, checkpoint, release) runs in that lease's queue, so a
 * renewal never races this worker's own checkpoint (both bump the counter).
 */
import type { Lease, LeaseStore } from '../leases/lease-store.js';
import { planTake } from './balance.js';
import { sleep } from './timing.js';
import { type ErrorContext, LeaseLostError } from './types.js';

export interface LeaseCoordinatorOptions {
  readonly store: LeaseStore;
  readonly workerId: string;
  readonly failoverTimeMs: number;
  /** This worker now holds the lease: start processing its shard. */
  readonly onTaken: (lease: Lease, previousOwner: string | undefined) => void;
  /** The lease is gone (taken by another worker, or not renewable): stop processing at once. */
  readonly onLost: (shardId: string) => void;
  readonly onError: (error: unknown, during: ErrorContext, shardId?: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface HeldLease {
  lease: Lease;
  lastRenewedMs: number;
}

interface Observation {
  readonly counter: number;
  readonly owner: string | undefined;
  /** Local time at which this worker first saw this counter value. */
  readonly sinceMs: number;
}

export class LeaseCoordinator {
  readonly #options: LeaseCoordinatorOptions;
  readonly #now: () => number;
  readonly #held = new Map<string, HeldLease>();
  readonly #observed = new Map<string, Observation>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #takerStop = new AbortController();
  readonly #renewerStop = new AbortController();
  #takerLoop: Promise<void> | undefined;
  #renewerLoop: Promise<void> | undefined;

  constructor(options: LeaseCoordinatorOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Renewal and taking both run at this period (KCL renews at a third of the failover time). */
  get intervalMs(): number {
    return Math.max(1, Math.floor(this.#options.failoverTimeMs / 3));
  }

  heldShardIds(): string[] {
    return [...this.#held.keys()];
  }

  heldLease(shardId: string): Lease | undefined {
    return this.#held.get(shardId)?.lease;
  }

  start(): void {
    this.#renewerLoop ??= this.#loop(this.#renewerStop.signal, () => this.renewAll());
    this.#takerLoop ??= this.#loop(this.#takerStop.signal, () => this.takePass());
  }

  /** Stops taking leases (graceful shutdown first stops taking, then releases, then stops renewing). */
  async stopTaking(): Promise<void> {
    this.#takerStop.abort();
    await this.#takerLoop;
  }

  async stopRenewing(): Promise<void> {
    this.#renewerStop.abort();
    await this.#renewerLoop;
  }

  /** One pass of the taker: list, observe counters, take what the plan says. */
  async takePass(): Promise<void> {
    this.#dropUnrenewed();
    const leases = await this.#options.store.listLeases();
    const nowMs = this.#now();
    this.#observe(leases, nowMs);
    const plan = planTake({
      leases,
      workerId: this.#options.workerId,
      held: new Set(this.#held.keys()),
      isExpired: (lease) => this.#isExpired(lease, nowMs),
      random: this.#options.random ?? Math.random,
    });
    const toTake = plan.steal === undefined ? plan.available : [plan.steal];
    await Promise.all(toTake.map((lease) => this.#take(lease)));
  }

  /** Renews every held lease once. */
  async renewAll(): Promise<void> {
    await Promise.all([...this.#held.keys()].map((shardId) => this.#renew(shardId)));
  }

  /** Writes a checkpoint as the holder; rejects with LeaseLostError when the lease is no longer ours. */
  checkpoint(
    shardId: string,
    checkpoint: string,
    subSequenceNumber: number,
    childShardIds?: readonly string[],
  ): Promise<Lease> {
    return this.#enqueue(shardId, async () => {
      if (!this.#held.has(shardId))
        throw new LeaseLostError(`the lease of ${shardId} is no longer held by this worker`);
      const sentMs = this.#now();
      const stored = await this.#options.store.checkpoint(
        shardId,
        this.#options.workerId,
        checkpoint,
        subSequenceNumber,
        childShardIds,
      );
      if (stored === undefined) {
        this.#lose(shardId);
        throw new LeaseLostError(`the lease of ${shardId} was taken by another worker`);
      }
      const held = this.#held.get(shardId);
      if (held !== undefined) {
        held.lease = stored;
        held.lastRenewedMs = sentMs;
      }
      return stored;
    });
  }

  /** Gives the lease up (graceful shutdown, shard end): another worker may take it at once. */
  release(shardId: string): Promise<void> {
    return this.#enqueue(shardId, async () => {
      if (!this.#held.delete(shardId)) return;
      await this.#options.store.evictLease(shardId, this.#options.workerId);
    });
  }

  async #take(lease: Lease): Promise<void> {
    const sentMs = this.#now();
    const taken = await this.#options.store.takeLease(lease, this.#options.workerId);
    if (taken === undefined) return; // another worker was faster, or the owner renewed just now
    this.#held.set(lease.leaseKey, { lease: taken, lastRenewedMs: sentMs });
    this.#options.onTaken(taken, lease.leaseOwner === this.#options.workerId ? undefined : lease.leaseOwner);
  }

  #renew(shardId: string): Promise<void> {
    return this.#enqueue(shardId, async () => {
      const held = this.#held.get(shardId);
      if (held === undefined) return;
      try {
        // The time the request left, not when it answered: others start counting the failover
        // time no earlier than when the store applied it, so this worker gives up no later.
        const sentMs = this.#now();
        const renewed = await this.#options.store.renewLease(held.lease);
        // Given up meanwhile (not renewed for the failover time), and perhaps taken again since:
        // this answer is about a holding that is over.
        if (this.#held.get(shardId) !== held) return;
        // Refused: the lease changed hands — or the client retried a renewal the store had applied
        // (a lost answer), which fails its own condition. As KCL does, look: while this worker is
        // still the owner, only this worker changed the lease, so it still holds it.
        const current = renewed ?? (await this.#stillOurs(shardId));
        if (this.#held.get(shardId) !== held) return;
        if (current === undefined) {
          this.#lose(shardId);
          return;
        }
        held.lease = current;
        held.lastRenewedMs = sentMs;
      } catch (error) {
        if (this.#held.get(shardId) !== held) return;
        this.#options.onError(error, 'lease-renewal', shardId);
        if (this.#now() - held.lastRenewedMs > this.#options.failoverTimeMs) this.#lose(shardId);
      }
    }).catch((error: unknown) => this.#options.onError(error, 'lease-renewal', shardId));
  }

  async #stillOurs(shardId: string): Promise<Lease | undefined> {
    const stored = await this.#options.store.getLease(shardId);
    return stored?.leaseOwner === this.#options.workerId ? stored : undefined;
  }

  /**
   * Gives up every lease not renewed for the failover time. Runs on the taker's loop, so a renewal
   * that hangs (the store does not answer) cannot keep this worker processing a shard that others
   * already consider expired and may have taken.
   */
  #dropUnrenewed(): void {
    const nowMs = this.#now();
    for (const [shardId, held] of this.#held) {
      if (nowMs - held.lastRenewedMs > this.#options.failoverTimeMs) this.#lose(shardId);
    }
  }

  #lose(shardId: string): void {
    if (!this.#held.delete(shardId)) return;
    this.#options.onLost(shardId);
  }

  #observe(leases: readonly Lease[], nowMs: number): void {
    const present = new Set<string>();
    for (const lease of leases) {
      present.add(lease.leaseKey);
      const seen = this.#observed.get(lease.leaseKey);
      if (seen === undefined || seen.counter !== lease.leaseCounter || seen.owner !== lease.leaseOwner) {
        this.#observed.set(lease.leaseKey, { counter: lease.leaseCounter, owner: lease.leaseOwner, sinceMs: nowMs });
      }
    }
    for (const key of this.#observed.keys()) if (!present.has(key)) this.#observed.delete(key);
  }

  #isExpired(lease: Lease, nowMs: number): boolean {
    const seen = this.#observed.get(lease.leaseKey);
    return seen === undefined || nowMs - seen.sinceMs > this.#options.failoverTimeMs;
  }

  #enqueue<T>(shardId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(shardId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(shardId, settled);
    void settled.then(() => {
      if (this.#queues.get(shardId) === settled) this.#queues.delete(shardId);
    });
    return next;
  }

  async #loop(signal: AbortSignal, pass: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      // At a fixed rate, as KCL schedules its renewer: a slow store must not stretch the time
      // between renewals past the interval (others count the failover time from the last one).
      const startedMs = performance.now();
      try {
        await pass();
      } catch (error) {
        this.#options.onError(error, signal === this.#takerStop.signal ? 'lease-taking' : 'lease-renewal');
      }
      await sleep(Math.max(0, this.intervalMs - (performance.now() - startedMs)), signal);
    }
  }
}
