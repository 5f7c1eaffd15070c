/**
 * Per-shard write rates over a sliding window, and a small sample of recent hash keys, fed by the
 * write path of ON_DEMAND streams. The on-demand scaler reads it to find hot and cold shards and
 * to split a hot shard where its traffic divides (the median of the sampled hash keys), without
 * re-reading the log.
 *
 * The window is a ring of buckets: memory per shard is fixed, whatever the write rate.
 */

/** Buckets per window: rates move in steps of a tenth of the window. */
export const meterBucketCount = 10;
/** Hash keys kept per shard: the most recent records' keys, enough for a stable median. */
export const hashKeySampleSize = 256;

export interface WriteRates {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
}

interface ShardMeter {
  readonly bucketEpochs: number[];
  readonly records: number[];
  readonly bytes: number[];
  readonly hashKeys: bigint[];
  nextSample: number;
}

export interface MeteredRecord {
  readonly hashKey: bigint;
  readonly sizeBytes: number;
}

export class WriteMeter {
  readonly #meters = new Map<string, ShardMeter>();
  readonly #bucketMs: number;

  constructor(
    readonly windowMs: number,
    readonly clock: () => number,
  ) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / meterBucketCount));
  }

  record(streamKey: string, shardIndex: number, records: readonly MeteredRecord[]): void {
    const meter = this.#meter(streamKey, shardIndex);
    const epoch = Math.floor(this.clock() / this.#bucketMs);
    const slot = epoch % meterBucketCount;
    if (meter.bucketEpochs[slot] !== epoch) {
      meter.bucketEpochs[slot] = epoch;
      meter.records[slot] = 0;
      meter.bytes[slot] = 0;
    }
    for (const record of records) {
      meter.records[slot] = (meter.records[slot] ?? 0) + 1;
      meter.bytes[slot] = (meter.bytes[slot] ?? 0) + record.sizeBytes;
      meter.hashKeys[meter.nextSample] = record.hashKey;
      meter.nextSample = (meter.nextSample + 1) % hashKeySampleSize;
    }
  }

  /** Average rates over the window that ends now (a shard never written to has zero). */
  rates(streamKey: string, shardIndex: number): WriteRates {
    const meter = this.#meters.get(meterKey(streamKey, shardIndex));
    if (!meter) return { recordsPerSecond: 0, bytesPerSecond: 0 };
    const epoch = Math.floor(this.clock() / this.#bucketMs);
    let records = 0;
    let bytes = 0;
    for (let slot = 0; slot < meterBucketCount; slot++) {
      const age = epoch - (meter.bucketEpochs[slot] ?? Number.NEGATIVE_INFINITY);
      if (age >= 0 && age < meterBucketCount) {
        records += meter.records[slot] ?? 0;
        bytes += meter.bytes[slot] ?? 0;
      }
    }
    const seconds = (this.#bucketMs * meterBucketCount) / 1000;
    return { recordsPerSecond: records / seconds, bytesPerSecond: bytes / seconds };
  }

  /** The hash keys of up to the last `hashKeySampleSize` records written to the shard. */
  hashKeySample(streamKey: string, shardIndex: number): readonly bigint[] {
    return this.#meters.get(meterKey(streamKey, shardIndex))?.hashKeys ?? [];
  }

  /** Drops the meters `keep` rejects (closed shards, deleted streams). */
  prune(keep: (streamKey: string, shardIndex: number) => boolean): void {
    for (const key of this.#meters.keys()) {
      const [streamKey = '', index = ''] = key.split('#');
      if (!keep(streamKey, Number(index))) this.#meters.delete(key);
    }
  }

  #meter(streamKey: string, shardIndex: number): ShardMeter {
    const key = meterKey(streamKey, shardIndex);
    let meter = this.#meters.get(key);
    if (!meter) {
      const fill = <T>(value: T): T[] => new Array<T>(meterBucketCount).fill(value);
      meter = { bucketEpochs: fill(-1), records: fill(0), bytes: fill(0), hashKeys: [], nextSample: 0 };
      this.#meters.set(key, meter);
    }
    return meter;
  }
}

function meterKey(streamKey: string, shardIndex: number): string {
  return `${streamKey}#${shardIndex}`;
}
