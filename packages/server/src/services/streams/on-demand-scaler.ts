/**
 * The on-demand scaler: a background worker that reshapes ON_DEMAND streams to their traffic.
 *
 * Every check it reads each open shard's write rates over a sliding window (write-meter.ts, fed
 * by the write path). A shard that has existed for a full window and averaged more than one
 * shard's write capacity (AWS: 1 MiB/s or 1,000 records/s) is split where its traffic divides:
 * at the median of its recently written hash keys. Two adjacent shards that both stayed below a
 * quarter of that capacity for the quiet period are merged, down to the 4 shards an ON_DEMAND
 * stream starts with. At most one change per stream per check; each is logged, and each goes
 * through the same fenced shard-map change as SplitShard and MergeShards, so it never loses or
 * reorders a record. The clock is injected and `tick()` is public, so tests drive it directly.
 */
import { openShardCount, type StreamsContext } from './context.js';
import { onDemandInitialShardCount } from './operations/create-stream.js';
import { streamShardCountMax } from './operations/update-shard-count.js';
import { isOpen, type ReshardPlan, type ShardState, type StreamState } from './state.js';
import { reshardNow } from './stream-updates.js';
import { shardWriteBytesPerSecond, shardWriteRecordsPerSecond } from './throughput-limits.js';
import type { WriteRates } from './write-meter.js';

export interface OnDemandScalingConfig {
  /** A shard averaging more than either rate over the window is split. */
  readonly splitRecordsPerSecond: number;
  readonly splitBytesPerSecond: number;
  /** The sliding window write rates are averaged over. */
  readonly windowMs: number;
  /** Adjacent shards that stayed cold this long are merged. */
  readonly mergeQuietMs: number;
  /** How often the scaler checks (0: only when tick() is called). */
  readonly checkIntervalMs: number;
}

/** Splits at AWS's per-shard write capacity; a minute's window; merges after ten quiet minutes. */
export const onDemandScalingDefaults: OnDemandScalingConfig = {
  splitRecordsPerSecond: shardWriteRecordsPerSecond,
  splitBytesPerSecond: shardWriteBytesPerSecond,
  windowMs: 60_000,
  mergeQuietMs: 600_000,
  checkIntervalMs: 1_000,
};

/**
 * A shard is cold below this fraction of the split rates. Two merged cold shards run at half the
 * split rate at most: hysteresis, so a merge is never undone by the next split.
 */
export const coldFractionOfSplit = 0.25;

export type ScalingDecision =
  | {
      readonly kind: 'split';
      readonly stream: string;
      readonly shardId: string;
      readonly at: bigint;
      readonly children: string[];
    }
  | { readonly kind: 'merge'; readonly stream: string; readonly shardIds: [string, string]; readonly child: string };

interface ShardLoad {
  readonly shard: ShardState;
  readonly rates: WriteRates;
  /** The larger of the two rates as a fraction of its split threshold. */
  readonly load: number;
}

const startOf = (shard: ShardState): bigint => BigInt(shard.startingHashKey);
const compareBigints = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Where to split a hot shard: the median of its sampled hash keys, so each child gets about half
 * of the recent records. Undefined when the sample holds one hash key only (one hot partition key
 * cannot be divided) or the range is too narrow for AWS's split rule.
 */
export function medianSplitKey(shard: ShardState, sample: readonly bigint[]): bigint | undefined {
  const start = startOf(shard);
  const end = BigInt(shard.endingHashKey);
  const keys = sample.filter((key) => key >= start && key <= end).sort(compareBigints);
  let at = keys.length === 0 ? (start + end + 1n) / 2n : (keys[Math.floor(keys.length / 2)] ?? start);
  // The split key starts the right child; if nothing lies below the median, start after it.
  if (keys.length > 0 && at === keys[0]) {
    const above = keys.find((key) => key > at);
    if (above === undefined) return undefined;
    at = above;
  }
  // AWS's rule for NewStartingHashKey: greater than one plus the start, less than the end.
  if (at <= start + 1n) at = start + 2n;
  if (at >= end) at = end - 1n;
  return at > start + 1n && at < end ? at : undefined;
}

export class OnDemandScaler {
  readonly #context: StreamsContext;
  readonly #config: OnDemandScalingConfig;
  readonly #startedMs: number;
  /** When each open shard (`streamKey#index`) was last seen above the cold rate. */
  readonly #warmMs = new Map<string, number>();
  /** Hot shards that cannot be split (one hash key), logged once each. */
  readonly #unsplittable = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(context: StreamsContext, config: OnDemandScalingConfig) {
    this.#context = context;
    this.#config = config;
    this.#startedMs = context.clock();
  }

  start(): void {
    if (this.#config.checkIntervalMs <= 0 || this.#timer) return;
    this.#timer = setInterval(() => {
      this.tick().catch((error: unknown) => console.error('tributary: on-demand scaling check threw', error));
    }, this.#config.checkIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One check of every ACTIVE ON_DEMAND stream; answers the changes it made. */
  async tick(): Promise<ScalingDecision[]> {
    if (this.#checking) return [];
    this.#checking = true;
    try {
      const decisions: ScalingDecision[] = [];
      for (const stream of this.#context.registry.all()) {
        if (stream.mode !== 'ON_DEMAND' || stream.status !== 'ACTIVE') continue;
        const decision = await this.#scale(stream);
        if (decision) decisions.push(decision);
      }
      this.#forgetClosedShards();
      return decisions;
    } finally {
      this.#checking = false;
    }
  }

  async #scale(stream: StreamState): Promise<ScalingDecision | undefined> {
    const nowMs = this.#context.clock();
    const loads = this.#loads(stream, nowMs);
    const hot = loads
      .filter(({ shard, load }) => load > 1 && nowMs - shard.epochMs >= this.#config.windowMs)
      .sort((a, b) => b.load - a.load)[0];
    if (hot) return this.#split(stream, hot);
    return this.#merge(stream, loads, nowMs);
  }

  #loads(stream: StreamState, nowMs: number): ShardLoad[] {
    const open = stream.shards.filter(isOpen).sort((a, b) => compareBigints(startOf(a), startOf(b)));
    return open.map((shard) => {
      const rates = this.#context.writeMeter.rates(stream.key, shard.index);
      const load = Math.max(
        rates.recordsPerSecond / this.#config.splitRecordsPerSecond,
        rates.bytesPerSecond / this.#config.splitBytesPerSecond,
      );
      const key = `${stream.key}#${shard.index}`;
      if (load >= coldFractionOfSplit) this.#warmMs.set(key, nowMs);
      else if (!this.#warmMs.has(key)) this.#warmMs.set(key, Math.max(shard.epochMs, this.#startedMs));
      return { shard, rates, load };
    });
  }

  async #split(stream: StreamState, hot: ShardLoad): Promise<ScalingDecision | undefined> {
    const { shard, rates } = hot;
    const openCount = stream.shards.filter(isOpen).length;
    if (openCount + 1 > streamShardCountMax || openShardCount(this.#context) + 1 > this.#context.config.shardLimit) {
      return undefined;
    }
    const at = medianSplitKey(shard, this.#context.writeMeter.hashKeySample(stream.key, shard.index));
    if (at === undefined) {
      this.#logUnsplittable(stream, shard);
      return undefined;
    }
    const plan: ReshardPlan = { kind: 'split', shardIndex: shard.index, newStartingHashKey: at.toString() };
    const result = await reshardNow(this.#context, stream, plan);
    if (!result) return undefined;
    const children = result.opened.map((child) => child.shardId);
    console.log(
      `tributary: on-demand stream ${stream.name}: split ${shard.shardId} ` +
        `(${describeRates(rates)} over ${this.#config.windowMs} ms) at hash key ${at} into ${children.join(' and ')}`,
    );
    return { kind: 'split', stream: stream.name, shardId: shard.shardId, at, children };
  }

  async #merge(stream: StreamState, loads: readonly ShardLoad[], nowMs: number): Promise<ScalingDecision | undefined> {
    if (loads.length <= onDemandInitialShardCount) return undefined;
    const quiet = (shard: ShardState): boolean =>
      nowMs - (this.#warmMs.get(`${stream.key}#${shard.index}`) ?? nowMs) >= this.#config.mergeQuietMs;
    let coldest: [ShardLoad, ShardLoad] | undefined;
    for (let position = 0; position + 1 < loads.length; position++) {
      const left = loads[position];
      const right = loads[position + 1];
      if (!left || !right || !quiet(left.shard) || !quiet(right.shard)) continue;
      if (!coldest || left.load + right.load < coldest[0].load + coldest[1].load) coldest = [left, right];
    }
    if (!coldest) return undefined;
    const [left, right] = coldest;
    const plan: ReshardPlan = { kind: 'merge', shardIndex: left.shard.index, adjacentShardIndex: right.shard.index };
    const result = await reshardNow(this.#context, stream, plan);
    const child = result?.opened[0];
    if (!child) return undefined;
    console.log(
      `tributary: on-demand stream ${stream.name}: merged ${left.shard.shardId} and ${right.shard.shardId} ` +
        `(both below ${coldFractionOfSplit * 100}% of a shard's capacity for ${this.#config.mergeQuietMs} ms) ` +
        `into ${child.shardId}`,
    );
    return {
      kind: 'merge',
      stream: stream.name,
      shardIds: [left.shard.shardId, right.shard.shardId],
      child: child.shardId,
    };
  }

  #logUnsplittable(stream: StreamState, shard: ShardState): void {
    const key = `${stream.key}#${shard.index}`;
    if (this.#unsplittable.has(key)) return;
    this.#unsplittable.add(key);
    console.log(
      `tributary: on-demand stream ${stream.name}: ${shard.shardId} is over capacity with a single hot hash key; ` +
        'a split cannot divide one partition key, so it stays as it is',
    );
  }

  /** Meters and warm times of shards that closed or streams that went away are dropped. */
  #forgetClosedShards(): void {
    const open = new Set<string>();
    for (const stream of this.#context.registry.all()) {
      for (const shard of stream.shards) if (isOpen(shard)) open.add(`${stream.key}#${shard.index}`);
    }
    const keep = (streamKey: string, shardIndex: number): boolean => open.has(`${streamKey}#${shardIndex}`);
    this.#context.writeMeter.prune(keep);
    for (const key of this.#warmMs.keys()) if (!open.has(key)) this.#warmMs.delete(key);
    for (const key of this.#unsplittable) if (!open.has(key)) this.#unsplittable.delete(key);
  }
}

function describeRates(rates: WriteRates): string {
  return `${Math.round(rates.recordsPerSecond)} records/s, ${Math.round(rates.bytesPerSecond)} bytes/s`;
}
