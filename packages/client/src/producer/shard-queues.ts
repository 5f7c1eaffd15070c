/**
 * The records waiting to be sent, one queue per open shard (in put order), routed by the current
 * shard map; records that arrive before the first map wait unrouted. A new map moves the records
 * of shards that closed (and the unrouted ones) to the shards that now own their hash keys.
 */
import type { ShardQueue } from './batch.js';
import type { ShardMap } from './shard-map.js';
import type { BatchEntry, PendingRecord } from './types.js';

export class ShardQueues {
  queuedBytes = 0;
  queuedRecords = 0;
  #map: ShardMap | undefined;
  readonly #queues = new Map<string, ShardQueue>();
  #unrouted: PendingRecord[] = [];
  #rotation = 0;

  get map(): ShardMap | undefined {
    return this.#map;
  }

  /** Installs a new shard map and moves records of shards that are no longer open. */
  setMap(map: ShardMap): void {
    this.#map = map;
    const moving = this.#unrouted;
    this.#unrouted = [];
    for (const [shardId, queue] of this.#queues) {
      if (map.isOpen(shardId)) continue;
      this.#queues.delete(shardId);
      moving.push(...queue.records);
    }
    moving.sort((a, b) => a.sequence - b.sequence);
    for (const pending of moving) {
      this.queuedBytes -= pending.sizeBytes;
      this.queuedRecords--;
      this.add(pending);
    }
  }

  /** Puts a record into the queue of its predicted shard, keeping the queue in put order. */
  add(pending: PendingRecord): void {
    this.queuedBytes += pending.sizeBytes;
    this.queuedRecords++;
    const shard = this.#map?.shardFor(pending.hashKey);
    if (shard === undefined) {
      pending.shardId = '';
      this.#unrouted.push(pending);
      return;
    }
    pending.shardId = shard.shardId;
    let queue = this.#queues.get(shard.shardId);
    if (queue === undefined) {
      queue = { shardId: shard.shardId, records: [], backoffUntilMs: 0, throttleStreak: 0 };
      this.#queues.set(shard.shardId, queue);
    }
    const records = queue.records;
    const last = records[records.length - 1];
    if (last === undefined || last.sequence < pending.sequence) {
      records.push(pending);
      return;
    }
    // A retried record goes back to its place among the later ones.
    let low = 0;
    let high = records.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((records[middle] as PendingRecord).sequence < pending.sequence) low = middle + 1;
      else high = middle;
    }
    records.splice(low, 0, pending);
  }

  /** Removes and returns the records that wait for a first shard map. */
  takeUnrouted(): PendingRecord[] {
    const unrouted = this.#unrouted;
    this.#unrouted = [];
    for (const pending of unrouted) {
      this.queuedBytes -= pending.sizeBytes;
      this.queuedRecords--;
    }
    return unrouted;
  }

  /** The records of these entries left their queues for a PutRecords call. */
  sent(entries: readonly BatchEntry[]): void {
    for (const entry of entries)
      for (const user of entry.users) {
        this.queuedBytes -= user.sizeBytes;
        this.queuedRecords--;
      }
  }

  get(shardId: string): ShardQueue | undefined {
    return this.#queues.get(shardId);
  }

  /** All queues, starting from a different one each time so every shard gets the front of some calls. */
  rotated(): ShardQueue[] {
    const queues = [...this.#queues.values()];
    const start = this.#rotation++ % Math.max(1, queues.length);
    return queues.slice(start).concat(queues.slice(0, start));
  }

  /**
   * The earliest moment after `nowMs` when a queued record becomes due (linger time over, or flushed)
   * and sendable (its retry wait and its shard's backoff over), or Infinity. Only the retried records
   * at a queue's front and its first fresh record are looked at: later fresh records are due later.
   */
  nextDeadlineMs(nowMs: number, lingerMs: number, flushThroughSequence: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const queue of this.#queues.values()) {
      for (const pending of queue.records) {
        const dueMs =
          pending.sequence <= flushThroughSequence
            ? pending.notBeforeMs
            : Math.max(pending.notBeforeMs, pending.putAtMs + lingerMs);
        const readyMs = Math.max(dueMs, queue.backoffUntilMs);
        if (readyMs > nowMs && readyMs < earliest) earliest = readyMs;
        if (pending.failures === 0) break;
      }
    }
    return earliest;
  }
}
