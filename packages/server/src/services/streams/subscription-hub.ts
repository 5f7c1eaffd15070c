/**
 * One SubscribeToShard subscription per consumer and shard, as AWS allows: "If you call
 * SubscribeToShard again with the same ConsumerARN and ShardId within 5 seconds of a successful
 * call, you'll get a ResourceInUseException. If you call SubscribeToShard 5 seconds or more after
 * a successful call, the second call takes over the subscription and the previous connection
 * expires or fails with a ResourceInUseException." (API_SubscribeToShard)
 *
 * The 5-second rule applies while the earlier subscription is still running: once it has ended
 * (its lifetime, the client leaving) the consumer may subscribe again, which is what a client that
 * resumes from ContinuationSequenceNumber does — but not more than once a second: "You can make
 * one call to SubscribeToShard per second per registered consumer per shard" (same page). The
 * page also says a call "within 5 seconds of a successful call" gets ResourceInUseException, so
 * while that subscription runs the 5-second rule answers; once it has ended, a call within a second
 * of the last successful one is LimitExceededException. A deregistered consumer's subscriptions are
 * revoked here so that they end at once, and a resharding wakes the subscriptions of the stream so
 * that a closed shard's readers send ChildShards at once rather than at their next heartbeat.
 */
import { streamErrors } from './errors.js';
import { subscribeCallIntervalMsMin, subscriptionTakeoverMsMin } from './fan-out-config.js';

export type SubscriptionEnd = 'takeover' | 'revoked';

/** A running subscription's claim on its consumer and shard. */
export interface SubscriptionLease {
  /** Aborts when the subscription must end early; `ended()` then says why. */
  readonly signal: AbortSignal;
  ended(): SubscriptionEnd | undefined;
  /** Gives the slot up (idempotent); a lease that was taken over leaves the new one in place. */
  release(): void;
  /**
   * Calls `wake` when the stream's shard map changed (see SubscriptionHub.shardMapChanged) until
   * the returned function is called. The subscription then looks at its shard again.
   */
  onShardMapChange(wake: () => void): () => void;
}

interface Entry {
  readonly consumerArn: string;
  readonly streamKey: string;
  readonly startedMs: number;
  readonly controller: AbortController;
  readonly wakers: Set<() => void>;
  end: SubscriptionEnd | undefined;
}

export class SubscriptionHub {
  readonly #clock: () => number;
  readonly #active = new Map<string, Entry>();
  /** When each consumer and shard last subscribed successfully; entries older than the interval go. */
  readonly #lastCallMs = new Map<string, number>();

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Subscriptions running now (for tests and diagnostics). */
  get size(): number {
    return this.#active.size;
  }

  /**
   * Claims the consumer's shard, taking over a subscription at least 5 s old, or throws:
   * ResourceInUseException while a subscription younger than 5 s runs, otherwise
   * LimitExceededException within a second of the last successful call. Called once every other
   * check has passed, so a call that gets a lease is a successful one.
   */
  acquire(consumerArn: string, shardId: string, streamKey: string): SubscriptionLease {
    const key = `${consumerArn} ${shardId}`;
    const nowMs = this.#clock();
    const previous = this.#active.get(key);
    if (previous && nowMs - previous.startedMs < subscriptionTakeoverMsMin) {
      throw streamErrors.subscriptionInUse(consumerArn);
    }
    const lastCallMs = this.#lastCallMs.get(key);
    if (lastCallMs !== undefined && nowMs - lastCallMs < subscribeCallIntervalMsMin) {
      throw streamErrors.limitExceeded(`Rate exceeded for consumer ${consumerArn} and shard ${shardId}.`);
    }
    if (previous) this.#end(previous, 'takeover');
    this.#rememberCall(key, nowMs);
    const entry: Entry = {
      consumerArn,
      streamKey,
      startedMs: nowMs,
      controller: new AbortController(),
      wakers: new Set(),
      end: undefined,
    };
    this.#active.set(key, entry);
    return {
      signal: entry.controller.signal,
      ended: () => entry.end,
      release: () => {
        if (this.#active.get(key) === entry) this.#active.delete(key);
      },
      onShardMapChange: (wake) => {
        entry.wakers.add(wake);
        return () => entry.wakers.delete(wake);
      },
    };
  }

  /**
   * The stream's shard map changed (a split, a merge, UpdateShardCount, on-demand scaling): every
   * subscription of the stream looks at its shard again now. A caught-up reader of a shard that
   * just closed then ends with ChildShards at once.
   */
  shardMapChanged(streamKey: string): void {
    for (const entry of this.#active.values()) {
      if (entry.streamKey !== streamKey) continue;
      for (const wake of [...entry.wakers]) wake();
    }
  }

  #rememberCall(key: string, nowMs: number): void {
    // Bounded by the calls of the last second: older entries can no longer refuse anything.
    if (this.#lastCallMs.size >= 1024) {
      for (const [oldKey, atMs] of this.#lastCallMs) {
        if (nowMs - atMs >= subscribeCallIntervalMsMin || atMs > nowMs) this.#lastCallMs.delete(oldKey);
      }
    }
    this.#lastCallMs.delete(key);
    this.#lastCallMs.set(key, nowMs);
  }

  /** Ends every subscription of a consumer (DeregisterStreamConsumer). */
  revoke(consumerArn: string): void {
    for (const entry of this.#active.values()) {
      if (entry.consumerArn === consumerArn) this.#end(entry, 'revoked');
    }
  }

  #end(entry: Entry, reason: SubscriptionEnd): void {
    entry.end ??= reason;
    entry.controller.abort();
  }
}
