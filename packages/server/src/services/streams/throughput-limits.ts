/**
 * Opt-in per-shard throughput limits (`--throughput-limits aws`) and throttle injection
 * (`--inject-throttle-rate`). Off by default: self-hosted users want their hardware's limit.
 *
 * Each shard has token buckets that refill continuously at AWS's rates and hold one second's
 * worth, so a shard takes a burst of one second of traffic and then its rate. The clock and the
 * random source are injected, so tests drive the buckets without waiting.
 */
import assert from 'node:assert/strict';

/**
 * AWS: "Each shard can support up to 1,000 records per second for writes, up to a maximum total
 * data write rate of 1 MiB per second" and "up to five transactions per second for reads, up to a
 * maximum total data read rate of 2 MiB per second" (Kinesis Data Streams Developer Guide, Quotas
 * and limits). A record's size is its data plus its partition key.
 */
export const shardWriteBytesPerSecond = 1024 * 1024;
export const shardWriteRecordsPerSecond = 1000;
export const shardReadBytesPerSecond = 2 * 1024 * 1024;
export const shardReadCallsPerSecond = 5;
/** Buckets hold one second of their rate: the burst a shard absorbs before its rate applies. */
export const bucketBurstSeconds = 1;
/** Forgetting idle buckets is a sweep over all of them; it runs once per this many admissions. */
const sweepEveryAdmissions = 10_000;

export type ThroughputLimitsMode = 'off' | 'aws';

export interface ThroughputLimitsOptions {
  readonly mode: ThroughputLimitsMode;
  /** Fraction (0…1) of calls and PutRecords records refused at random, whatever the mode. */
  readonly injectThrottleRate: number;
  readonly clock: () => number;
  readonly random?: () => number;
}

/** A token bucket whose balance may go negative: a read is charged after it returned its bytes. */
class TokenBucket {
  #tokens: number;
  #updatedMs: number;

  constructor(
    readonly perSecond: number,
    nowMs: number,
  ) {
    this.#tokens = perSecond * bucketBurstSeconds;
    this.#updatedMs = nowMs;
  }

  available(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(this.perSecond * bucketBurstSeconds, this.#tokens + (elapsedMs * this.perSecond) / 1000);
    this.#updatedMs = Math.max(this.#updatedMs, nowMs);
    return this.#tokens;
  }

  take(amount: number): void {
    this.#tokens -= amount;
  }

  full(nowMs: number): boolean {
    return this.available(nowMs) >= this.perSecond * bucketBurstSeconds;
  }
}

interface ShardBuckets {
  readonly writeBytes: TokenBucket;
  readonly writeRecords: TokenBucket;
  readonly readBytes: TokenBucket;
  readonly readCalls: TokenBucket;
}

export class ThroughputLimiter {
  readonly #options: ThroughputLimitsOptions;
  readonly #random: () => number;
  readonly #shards = new Map<string, ShardBuckets>();
  #admissions = 0;

  constructor(options: ThroughputLimitsOptions) {
    assert.ok(options.injectThrottleRate >= 0 && options.injectThrottleRate <= 1, 'throttle rate is a fraction');
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  get mode(): ThroughputLimitsMode {
    return this.#options.mode;
  }

  /** Admits one record of `sizeBytes` into a shard, taking its tokens, or refuses it. */
  admitWrite(streamKey: string, shardIndex: number, sizeBytes: number): boolean {
    if (this.#injected()) return false;
    if (this.#options.mode === 'off') return true;
    const nowMs = this.#options.clock();
    const buckets = this.#buckets(streamKey, shardIndex, nowMs);
    if (buckets.writeRecords.available(nowMs) < 1 || buckets.writeBytes.available(nowMs) < sizeBytes) return false;
    buckets.writeRecords.take(1);
    buckets.writeBytes.take(sizeBytes);
    return true;
  }

  /** Admits one GetRecords call: a call token, and read bytes not overdrawn by earlier calls. */
  admitRead(streamKey: string, shardIndex: number): boolean {
    if (this.#injected()) return false;
    if (this.#options.mode === 'off') return true;
    const nowMs = this.#options.clock();
    const buckets = this.#buckets(streamKey, shardIndex, nowMs);
    if (buckets.readCalls.available(nowMs) < 1 || buckets.readBytes.available(nowMs) <= 0) return false;
    buckets.readCalls.take(1);
    return true;
  }

  /**
   * Charges the bytes a GetRecords call returned. A large read may overdraw the bucket; the
   * shard's next calls are refused until it refills (AWS: a call that returns 10 MiB makes the
   * calls of the next five seconds throw ProvisionedThroughputExceededException).
   */
  chargeRead(streamKey: string, shardIndex: number, sizeBytes: number): void {
    if (this.#options.mode === 'off') return;
    const nowMs = this.#options.clock();
    this.#buckets(streamKey, shardIndex, nowMs).readBytes.take(sizeBytes);
  }

  #injected(): boolean {
    return this.#options.injectThrottleRate > 0 && this.#random() < this.#options.injectThrottleRate;
  }

  #buckets(streamKey: string, shardIndex: number, nowMs: number): ShardBuckets {
    if (++this.#admissions % sweepEveryAdmissions === 0) this.#forgetIdle(nowMs);
    const key = `${streamKey}/${shardIndex}`;
    let buckets = this.#shards.get(key);
    if (!buckets) {
      buckets = {
        writeBytes: new TokenBucket(shardWriteBytesPerSecond, nowMs),
        writeRecords: new TokenBucket(shardWriteRecordsPerSecond, nowMs),
        readBytes: new TokenBucket(shardReadBytesPerSecond, nowMs),
        readCalls: new TokenBucket(shardReadCallsPerSecond, nowMs),
      };
      this.#shards.set(key, buckets);
    }
    return buckets;
  }

  /** Full buckets are what a fresh shard gets anyway, so they are dropped: memory stays bounded. */
  #forgetIdle(nowMs: number): void {
    for (const [key, buckets] of this.#shards) {
      if (Object.values(buckets).every((bucket: TokenBucket) => bucket.full(nowMs))) this.#shards.delete(key);
    }
  }
}
