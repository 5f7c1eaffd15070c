/**
 * The retention worker: a background pass that applies each stream's RetentionPeriodHours.
 *
 * Every pass computes each readable stream's cutoff (now minus its retention) and has every shard
 * log delete the whole segments older than that (ShardLog.trimBefore), which moves the trim
 * horizon: TRIM_HORIZON and AT_TIMESTAMP iterators then start at the first record kept, and
 * iterators that pointed at trimmed records continue there. A decreased retention takes effect
 * at the next pass. A closed shard (resharding's parents) whose every record has expired is
 * marked expired and, as on AWS, is no longer listed by DescribeStream or ListShards.
 *
 * The clock is the service's (injectable), and `pass()` is public, so tests drive retention
 * without waiting hours.
 */
import type { ShardLog } from '../../storage/ports.js';
import type { StreamsContext } from './context.js';
import { isExpired, isOpen, type ShardState, type StreamState } from './state.js';

/** How often retention runs by default. Segments are deleted whole, so finer is not more exact. */
export const retentionIntervalMsDefault = 60_000;
const hourMs = 3_600_000;

/** What one pass changed. */
export interface RetentionPass {
  /** Shards whose trim horizon moved, as `stream/shardId`. */
  readonly trimmed: string[];
  /** Closed shards found wholly expired in this pass, as `stream/shardId`. */
  readonly expired: string[];
}

export class RetentionWorker {
  readonly #context: StreamsContext;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The pass under way: passes never overlap. */
  #running: Promise<RetentionPass> | undefined;
  #stopped = false;

  /** `intervalMs` 0: passes run only when pass() is called. */
  constructor(context: StreamsContext, intervalMs: number) {
    this.#context = context;
    this.#intervalMs = intervalMs;
  }

  /** Runs a first pass right away (data may have expired while the server was down), then periodically. */
  start(): void {
    if (this.#intervalMs <= 0 || this.#timer !== undefined || this.#stopped) return;
    const run = (): void => {
      this.pass().catch((error: unknown) => console.error('tributary: retention pass failed', error));
    };
    this.#timer = setInterval(run, this.#intervalMs);
    this.#timer.unref();
    setImmediate(run).unref();
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One pass over every stream; waits for a pass already under way and then runs a fresh one. */
  async pass(): Promise<RetentionPass> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    if (this.#stopped) return { trimmed: [], expired: [] };
    const running = this.#passOnce();
    this.#running = running;
    try {
      return await running;
    } finally {
      this.#running = undefined;
    }
  }

  async #passOnce(): Promise<RetentionPass> {
    const result: RetentionPass = { trimmed: [], expired: [] };
    const nowMs = this.#context.clock();
    for (const stream of this.#context.registry.all()) {
      // CREATING streams hold nothing yet; DELETING ones are about to lose everything.
      if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') continue;
      const cutoffMs = nowMs - stream.retentionHours * hourMs;
      for (const shard of stream.shards) {
        if (isExpired(shard)) continue;
        // Checked before every shard: opening the log of a stream deleted meanwhile would recreate
        // its directory after DeleteStream removed it.
        if (!this.#isCurrent(stream)) break;
        try {
          await this.#retainShard(stream, shard, { cutoffMs, nowMs }, result);
        } catch (error) {
          // Shutdown, or a DeleteStream, closes the logs under a pass; anything else is reported
          // and retried at the next pass.
          if (this.#stopped) return result;
          if (!this.#isCurrent(stream)) break;
          console.error(`tributary: retention of ${stream.name}/${shard.shardId} failed`, error);
        }
      }
    }
    return result;
  }

  #isCurrent(stream: StreamState): boolean {
    const current = this.#context.registry.find(stream.name);
    return current?.key === stream.key && (current.status === 'ACTIVE' || current.status === 'UPDATING');
  }

  async #retainShard(
    stream: StreamState,
    shard: ShardState,
    times: { readonly cutoffMs: number; readonly nowMs: number },
    result: RetentionPass,
  ): Promise<void> {
    const log = await this.#context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
    const startBefore = log.startOffset();
    await log.trimBefore(times.cutoffMs);
    if (log.startOffset() !== startBefore) result.trimmed.push(`${stream.name}/${shard.shardId}`);
    if (!isOpen(shard) && closedShardExpired(shard, log, times.cutoffMs)) {
      if (await this.#markExpired(stream, shard.index, times.nowMs))
        result.expired.push(`${stream.name}/${shard.shardId}`);
    }
  }

  /** Marks the shard expired in the stream's current state (inside the fence: shard-map changes see it). */
  async #markExpired(stream: StreamState, shardIndex: number, nowMs: number): Promise<boolean> {
    const { registry, fence } = this.#context;
    return fence.change(stream.key, async () => {
      const current = registry.find(stream.name);
      const shard = current?.key === stream.key ? current.shards.find((each) => each.index === shardIndex) : undefined;
      if (current === undefined || shard === undefined || isExpired(shard)) return false;
      await registry.commit(current, (draft) => {
        const drafted = draft.shards.find((each) => each.index === shardIndex);
        if (drafted !== undefined) drafted.expiredMs = nowMs;
      });
      return true;
    });
  }
}

/**
 * A closed shard has expired when nothing is left in its log and it closed before the cutoff: it
 * will never hold a record again, and its newest record (none after closing) is older than the
 * retention. Shards closed before `closedMs` was recorded use their newest record, or their birth.
 */
export function closedShardExpired(shard: ShardState, log: ShardLog, cutoffMs: number): boolean {
  if (shard.endingSequenceNumber === undefined || log.startOffset() !== log.endOffset()) return false;
  const lastActivityMs = shard.closedMs ?? log.lastArrivalMs() ?? shard.epochMs;
  return lastActivityMs < cutoffMs;
}
