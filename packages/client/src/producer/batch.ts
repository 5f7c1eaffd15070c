/**
 * Plans one PutRecords call from the per-shard queues: takes eligible records shard by shard
 * (skipping shards in throttling backoff, records waiting for a retry, and — with per-key ordering —
 * keys already in flight), packs them into KPL aggregates per shard when aggregation is on, and
 * stops at the request's record and byte limits. Planning takes nothing: the caller commits the
 * plan if it is worth sending (full, or holding a record whose linger time is up).
 */
import { Aggregator, kinesisRecordSizeBytes } from '../aggregation/index.js';
import type { BatchEntry, PendingRecord } from './types.js';

export interface ShardQueue {
  readonly shardId: string;
  /** Waiting records, ordered by sequence (put order). */
  records: PendingRecord[];
  /** No record of this shard is sent before this (throttling backoff). */
  backoffUntilMs: number;
  /** Throttles in a row; a success resets it. */
  throttleStreak: number;
}

export interface BatchLimits {
  readonly recordsMax: number;
  readonly bytesMax: number;
  readonly lingerMs: number;
  /** Aggregate size bound, or undefined without aggregation. */
  readonly aggregateBytesMax: number | undefined;
  readonly perKeyOrdering: boolean;
}

export interface BatchContext {
  readonly nowMs: number;
  /** Records with a sequence up to this are being flushed: due now. */
  readonly flushThroughSequence: number;
  /** Partition keys in PutRecords calls in flight (per-key ordering). */
  readonly inFlightKeys: ReadonlyMap<string, number>;
}

export interface BatchPlan {
  readonly entries: BatchEntry[];
  readonly taken: Map<ShardQueue, Set<PendingRecord>>;
  /** The request is full: a record or the byte budget ran out. */
  full: boolean;
  /** It holds a record whose linger time is up or that is being flushed. */
  due: boolean;
}

/** Below this many bytes left in the request, no aggregate is started. */
const aggregateRoomBytesMin = 256;

export function planBatch(queues: readonly ShardQueue[], limits: BatchLimits, context: BatchContext): BatchPlan {
  const plan: BatchPlan = { entries: [], taken: new Map(), full: false, due: false };
  const batchKeys = new Set<string>();
  let bytesLeft = limits.bytesMax;
  const isDue = (record: PendingRecord): boolean =>
    record.sequence <= context.flushThroughSequence || record.putAtMs + limits.lingerMs <= context.nowMs;

  for (const queue of queues) {
    if (plan.full) break;
    if (queue.records.length === 0 || queue.backoffUntilMs > context.nowMs) continue;
    const taken = new Set<PendingRecord>();
    const blockedKeys = new Set<string>();
    let aggregate: { aggregator: Aggregator; users: PendingRecord[]; keys: Set<string> } | undefined;

    const addEntry = (entry: BatchEntry, keys: Iterable<string>): void => {
      plan.entries.push(entry);
      bytesLeft -= entry.sizeBytes;
      for (const user of entry.users) {
        taken.add(user);
        if (isDue(user)) plan.due = true;
      }
      for (const key of keys) batchKeys.add(key);
      if (plan.entries.length >= limits.recordsMax) plan.full = true;
    };
    const closeAggregate = (): void => {
      const open = aggregate;
      aggregate = undefined;
      const built = open?.aggregator.take();
      if (open === undefined || built === undefined) return;
      addEntry(
        {
          payload: built,
          users: open.users,
          aggregated: built.aggregated,
          shardId: queue.shardId,
          sizeBytes: kinesisRecordSizeBytes(built),
        },
        open.keys,
      );
    };
    const addPlain = (user: PendingRecord): boolean => {
      if (user.sizeBytes > bytesLeft) return false;
      addEntry(
        { payload: user.record, users: [user], aggregated: false, shardId: queue.shardId, sizeBytes: user.sizeBytes },
        [user.record.partitionKey],
      );
      return true;
    };
    /** Adds to the open aggregate (opening one if needed); false when the request is out of room. */
    const addAggregated = (user: PendingRecord, aggregateBytesMax: number): boolean => {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (aggregate === undefined) {
          const roomBytes = Math.min(aggregateBytesMax, bytesLeft);
          if (roomBytes < aggregateRoomBytesMin) return addPlain(user);
          aggregate = { aggregator: new Aggregator({ maxBytes: roomBytes }), users: [], keys: new Set() };
        }
        if (aggregate.aggregator.add(user.record)) {
          aggregate.users.push(user);
          aggregate.keys.add(user.record.partitionKey);
          return true;
        }
        if (aggregate.aggregator.count === 0) {
          // Too big to wrap: it goes alone, as a plain record.
          aggregate = undefined;
          return addPlain(user);
        }
        closeAggregate();
        if (plan.full) return false;
      }
      return false;
    };

    for (const user of queue.records) {
      const key = user.record.partitionKey;
      const eligible = user.notBeforeMs <= context.nowMs;
      if (limits.perKeyOrdering) {
        const inOpenAggregate = aggregate?.keys.has(key) ?? false;
        if (
          !eligible ||
          blockedKeys.has(key) ||
          context.inFlightKeys.has(key) ||
          (batchKeys.has(key) && !inOpenAggregate)
        ) {
          blockedKeys.add(key);
          continue;
        }
      } else if (!eligible) {
        continue;
      }
      const added =
        limits.aggregateBytesMax === undefined ? addPlain(user) : addAggregated(user, limits.aggregateBytesMax);
      if (!added) {
        plan.full = true;
        break;
      }
      if (plan.full) break;
    }
    // A partial aggregate goes only when its oldest record is due; otherwise it waits for company.
    const first = aggregate?.users[0];
    if (first !== undefined && isDue(first)) closeAggregate();
    if (taken.size > 0) plan.taken.set(queue, taken);
  }
  return plan;
}

/** Removes the planned records from their queues. */
export function commitBatch(plan: BatchPlan): void {
  for (const [queue, taken] of plan.taken) queue.records = queue.records.filter((record) => !taken.has(record));
}
