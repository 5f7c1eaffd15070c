/**
 * One SubscribeToShard subscription per consumer and shard, as AWS allows: "If you call
 * SubscribeToShard again with the same ConsumerARN and ShardId within 5 seconds of a successful
 * call, you'll get a ResourceInUseException. If you call SubscribeToShard 5 seconds or more after
 * a successful call, the second call takes over the subscription and the previous connection
 * expires or fails with a ResourceInUseException." (API_SubscribeToShard)
 *
 * The 5-second rule applies while the earlier subscription is still running: once it has ended
 * (its lifetime, the client leaving) the consumer may subscribe again at once, which is what a
 * client that resumes from ContinuationSequenceNumber does. A deregistered consumer's
 * subscriptions are revoked here so that they end at once.
 */
import { streamErrors } from './errors.js';
import { subscriptionTakeoverMsMin } from './fan-out-config.js';

export type SubscriptionEnd = 'takeover' | 'revoked';

/** A running subscription's claim on its consumer and shard. */
export interface SubscriptionLease {
  /** Aborts when the subscription must end early; `ended()` then says why. */
  readonly signal: AbortSignal;
  ended(): SubscriptionEnd | undefined;
  /** Gives the slot up (idempotent); a lease that was taken over leaves the new one in place. */
  release(): void;
}

interface Entry {
  readonly consumerArn: string;
  readonly startedMs: number;
  readonly controller: AbortController;
  end: SubscriptionEnd | undefined;
}

export class SubscriptionHub {
  readonly #clock: () => number;
  readonly #active = new Map<string, Entry>();

  constructor(clock: () => number) {
    this.#clock = clock;
  }

  /** Subscriptions running now (for tests and diagnostics). */
  get size(): number {
    return this.#active.size;
  }

  /** Claims the consumer's shard, taking over a subscription at least 5 s old, or throws. */
  acquire(consumerArn: string, shardId: string): SubscriptionLease {
    const key = `${consumerArn} ${shardId}`;
    const nowMs = this.#clock();
    const previous = this.#active.get(key);
    if (previous) {
      if (nowMs - previous.startedMs < subscriptionTakeoverMsMin) throw streamErrors.subscriptionInUse(consumerArn);
      this.#end(previous, 'takeover');
    }
    const entry: Entry = { consumerArn, startedMs: nowMs, controller: new AbortController(), end: undefined };
    this.#active.set(key, entry);
    return {
      signal: entry.controller.signal,
      ended: () => entry.end,
      release: () => {
        if (this.#active.get(key) === entry) this.#active.delete(key);
      },
    };
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
