/**
 * Retention for one shard: deletes, oldest first, the sealed segments whose newest record
 * arrived before a cutoff. Only whole segments go, and only from the front, so the log stays a
 * contiguous run of offsets and its start offset (the trim horizon) moves forward. The active
 * segment is never touched here (shard-log.ts rolls a wholly expired idle one first).
 *
 * Crash safety: segments are removed oldest first, `.log` before `.index`, and one directory
 * sync covers them all. A crash part-way leaves a shorter prefix removed, which the next pass
 * finishes; a `.index` left without its `.log` is ignored by recovery.
 */
import { BatchCursor, isDefect } from './batch-cursor.js';
import type { Segment } from './segment.js';
import type { ShardContext } from './shard-context.js';

/** The parts of a shard log that trimming needs. */
export interface TrimmableShard {
  readonly context: ShardContext;
  /** Oldest first; the last one is active. Trimming removes from the front. */
  readonly segments: Segment[];
  lastArrivalMs(): number | undefined;
  /** Resolves once every read that was in flight when it was called has finished. */
  readsSettled(): Promise<void>;
}

/** Sealed segments never change, so their newest arrival time is looked up once. */
const newestArrivals = new WeakMap<Segment, number>();

/** Deletes the expired sealed segments at the front of the log; returns how many went. */
export async function trimSealedSegments(shard: TrimmableShard, timestampMs: number): Promise<number> {
  const { segments, context } = shard;
  let expiredCount = 0;
  // The last segment is the active one.
  while (expiredCount < segments.length - 1) {
    const segment = segments[expiredCount] as Segment;
    const next = segments[expiredCount + 1] as Segment;
    // Arrival times never decrease, so the next segment's first arrival bounds this one's newest.
    const boundMs = next.firstArrivalMs() ?? shard.lastArrivalMs();
    const newestMs = await newestArrivalMs(segment, boundMs);
    if (newestMs === undefined || newestMs >= timestampMs) break;
    expiredCount += 1;
  }
  if (expiredCount === 0) return 0;
  // New reads start from the remaining segments; reads already under way may still walk the
  // expired ones, so their files are closed only once those reads are done.
  const expired = segments.splice(0, expiredCount);
  await shard.readsSettled();
  for (const segment of expired) {
    await segment.file.close();
    await context.fileSystem.remove(segment.logPath);
    await context.fileSystem.remove(segment.indexPath);
  }
  await context.fileSystem.syncDir(context.directory);
  return expiredCount;
}

/**
 * The arrival time of a sealed segment's last batch, walking the headers after its last index
 * entry. Where a header is damaged the walk cannot see further, so it answers `boundMs` (an upper
 * bound): a damaged segment expires no earlier than its successor's first record.
 */
async function newestArrivalMs(segment: Segment, boundMs: number | undefined): Promise<number | undefined> {
  const cached = newestArrivals.get(segment);
  if (cached !== undefined) return cached;
  if (segment.index.entryCount === 0) return boundMs;
  const lastEntry = segment.index.entry(segment.index.entryCount - 1);
  const cursor = new BatchCursor(segment.file, lastEntry.position, segment.committedBytes, { mode: 'headers' });
  let newestMs = lastEntry.arrivalMs;
  for (;;) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    if (step === 'end') break;
    if (isDefect(step)) return boundMs;
    newestMs = step.header.arrivalMs;
  }
  newestArrivals.set(segment, newestMs);
  return newestMs;
}
