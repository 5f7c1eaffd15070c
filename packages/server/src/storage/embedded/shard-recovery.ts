/**
 * Opening a shard's log after a clean shutdown or a crash, as named passes:
 *
 * 1. list      — find the segment files; an empty or missing directory is an empty log.
 * 2. sealed    — for every segment but the last, load its `.index`; discard it and rebuild it
 *                by walking the batch headers if it is missing or inconsistent.
 * 3. tail      — scan the last (active) segment from its first byte, verifying every batch
 *                (magic, length, checksum, offsets); truncate at the first invalid batch and
 *                report what was cut. Its in-memory index is rebuilt on the way.
 * 4. arrival   — when the active segment is empty, find the newest arrival time at the end of
 *                the previous segment, so arrival times stay monotonic across restarts.
 *
 * A sealed segment is fully durable in both durability modes (a roll syncs it first), so only
 * the last segment can have a torn tail.
 */
import { type BatchHeader, batchHeaderBytes, parseBatchHeader, verifyBatch } from './batch-codec.js';
import { BatchCursor, type BatchDefectAt, isDefect } from './batch-cursor.js';
import { countRecordsInRange } from './cut-records.js';
import { parseSegmentFileName, Segment, segmentLogPath } from './segment.js';
import { corruptLogError, type ShardContext } from './shard-context.js';
import { SparseIndex } from './sparse-index.js';

export interface RecoveredShard {
  readonly segments: Segment[];
  /** One past the last valid record. */
  readonly endOffset: number;
  readonly lastArrivalMs: number | undefined;
}

export async function recoverShard(context: ShardContext): Promise<RecoveredShard> {
  const { fileSystem, directory } = context;
  await fileSystem.mkdirp(directory);
  const names = await fileSystem.list(directory);
  const logBases: number[] = [];
  const indexBases = new Set<number>();
  for (const name of names) {
    const parsed = parseSegmentFileName(name);
    if (parsed?.kind === 'log') logBases.push(parsed.baseOffset);
    if (parsed?.kind === 'index') indexBases.add(parsed.baseOffset);
  }
  logBases.sort((a, b) => a - b);
  const activeBase = logBases.pop();
  if (activeBase === undefined) return createEmptyLog(context);

  const segments: Segment[] = [];
  try {
    for (const baseOffset of logBases)
      segments.push(await openSealedSegment(context, baseOffset, indexBases.has(baseOffset)));
    const active = await recoverActiveSegment(context, activeBase, (segment) => segments.push(segment));
    const previous = segments.at(-2);
    const lastArrivalMs = active.lastArrivalMs ?? (previous === undefined ? undefined : await lastArrivalOf(previous));
    return { segments, endOffset: active.endOffset, lastArrivalMs };
  } catch (error) {
    // A shard that fails to open keeps no file open.
    await Promise.allSettled(segments.map((segment) => segment.file.close()));
    throw error;
  }
}

async function createEmptyLog(context: ShardContext): Promise<RecoveredShard> {
  const segment = await openSegmentFile(context, 0);
  await context.fileSystem.syncDir(context.directory);
  return { segments: [segment], endOffset: 0, lastArrivalMs: undefined };
}

function newIndex(context: ShardContext): SparseIndex {
  return new SparseIndex(context.indexIntervalBytes);
}

export async function openSegmentFile(context: ShardContext, baseOffset: number): Promise<Segment> {
  const file = await context.fileSystem.open(segmentLogPath(context.directory, baseOffset));
  return new Segment(baseOffset, context.directory, file, newIndex(context));
}

async function openSealedSegment(context: ShardContext, baseOffset: number, hasIndexFile: boolean): Promise<Segment> {
  const segment = await openSegmentFile(context, baseOffset);
  try {
    segment.sealed = true;
    const loaded = hasIndexFile ? await loadIndexFile(context, segment) : 'missing';
    if (typeof loaded === 'string') {
      await rebuildSealedIndex(context, segment, loaded);
    } else {
      segment.index = loaded;
    }
    return segment;
  } catch (error) {
    await segment.file.close();
    throw error;
  }
}

/** Pass 2 for one segment: the `.index` file, or why it cannot be used. */
async function loadIndexFile(context: ShardContext, segment: Segment): Promise<SparseIndex | string> {
  const file = await context.fileSystem.open(segment.indexPath);
  let bytes: Buffer;
  try {
    bytes = Buffer.alloc(file.size());
    if ((await file.read(bytes, 0, bytes.length, 0)) !== bytes.length) return 'short read';
  } finally {
    await file.close();
  }
  const index = SparseIndex.decode(bytes, context.indexIntervalBytes, segment.file.size());
  if (typeof index === 'string') return index;
  // Spot-check the batch headers at the first and last entries; checking every entry would read
  // thousands of scattered headers per segment at start-up. The reader checks each entry it
  // relies on, and rebuilds the index when one does not match.
  for (const entryIndex of new Set([0, index.entryCount - 1])) {
    if (entryIndex < 0) continue;
    const defect = await entryDefect(segment, index, entryIndex);
    if (defect !== undefined) return `entry ${entryIndex}: ${defect}`;
  }
  return index;
}

/** Why the batch header at an index entry does not match the entry (undefined when it does). */
export async function entryDefect(
  segment: Segment,
  index: SparseIndex,
  entryIndex: number,
): Promise<string | undefined> {
  const entry = index.entry(entryIndex);
  const bytes = Buffer.alloc(batchHeaderBytes);
  const readBytes = await segment.file.read(bytes, 0, batchHeaderBytes, entry.position);
  const header = parseBatchHeader(bytes.subarray(0, readBytes), 0);
  if (typeof header === 'string') return `no batch at position ${entry.position} (${header})`;
  if (header.baseOffset !== segment.baseOffset + entry.relativeOffset) return 'offset does not match the batch';
  if (header.arrivalMs !== entry.arrivalMs) return 'arrival time does not match the batch';
  if (entry.position + header.batchBytes > segment.file.size()) return 'batch runs past the segment end';
  return undefined;
}

/**
 * Rebuilds a sealed segment's index by walking its batch headers, writes it back, and reports
 * the rebuild. Checksums are left to reads: a damaged batch stays in place and every read of it
 * fails with CorruptLogError, instead of recovery guessing at what a sealed file should hold.
 */
export async function rebuildSealedIndex(context: ShardContext, segment: Segment, reason: string): Promise<void> {
  const index = newIndex(context);
  const cursor = new BatchCursor(segment.file, 0, segment.file.size(), { mode: 'headers' });
  let expectedOffset = segment.baseOffset;
  for (;;) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    if (step === 'end' || isDefect(step) || step.header.baseOffset !== expectedOffset) break;
    index.observeBatch({
      relativeOffset: expectedOffset - segment.baseOffset,
      position: step.position,
      arrivalMs: step.header.arrivalMs,
    });
    expectedOffset += step.header.recordCount;
  }
  segment.index = index;
  await segment.writeIndexFile(context.fileSystem);
  context.report({
    kind: 'index-rebuilt',
    streamKey: context.streamKey,
    shardIndex: context.shardIndex,
    segment: segment.logPath,
    reason,
  });
}

interface ActiveSegmentScan {
  readonly segment: Segment;
  readonly endOffset: number;
  readonly lastArrivalMs: number | undefined;
}

/** Pass 3: verify every batch of the last segment and cut the file at the first invalid one. */
async function recoverActiveSegment(
  context: ShardContext,
  baseOffset: number,
  opened: (segment: Segment) => void,
): Promise<ActiveSegmentScan> {
  const segment = await openSegmentFile(context, baseOffset);
  opened(segment);
  const cursor = new BatchCursor(segment.file, 0, segment.file.size(), { mode: 'batches' });
  let endOffset = baseOffset;
  let lastArrivalMs: number | undefined;
  let invalid: BatchDefectAt | undefined;
  // Nothing is committed until the scan has verified it.
  segment.committedBytes = 0;
  while (invalid === undefined) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    if (step === 'end') break;
    if (isDefect(step)) {
      invalid = step;
      break;
    }
    const defect = verifyBatch(step.bytes, step.start, step.header);
    if (defect === 'bad-checksum') {
      invalid = { defect, position: step.position };
      break;
    }
    // An intact batch that does not continue the log is not a torn write; cutting it would
    // destroy data that may be recoverable by hand, so opening the shard fails instead.
    const mismatch = defect ?? continuityDefect(step.header, endOffset, lastArrivalMs);
    if (mismatch !== undefined) {
      throw corruptLogError(
        context,
        segment.logPath,
        { byteStart: step.position, byteEnd: step.position + step.header.batchBytes },
        mismatch,
      );
    }
    segment.commitBatch(step.position, step.header);
    endOffset += step.header.recordCount;
    lastArrivalMs = step.header.arrivalMs;
  }
  if (invalid !== undefined) await truncateTail(context, segment, invalid);
  segment.writtenBytes = segment.committedBytes;
  return { segment, endOffset, lastArrivalMs };
}

function continuityDefect(
  header: BatchHeader,
  expectedOffset: number,
  previousArrivalMs: number | undefined,
): string | undefined {
  if (header.baseOffset !== expectedOffset)
    return `batch starts at offset ${header.baseOffset}, expected ${expectedOffset}`;
  if (previousArrivalMs !== undefined && header.arrivalMs < previousArrivalMs) return 'arrival time goes backwards';
  return undefined;
}

async function truncateTail(context: ShardContext, segment: Segment, invalid: BatchDefectAt): Promise<void> {
  const sizeBytes = segment.file.size();
  const recordCount = await countRecordsInRange(segment.file, invalid.position, sizeBytes);
  await segment.file.truncate(invalid.position);
  // The cut is synced whatever the durability policy: it is rare, and a later crash must not
  // resurrect bytes that new batches are about to be written over.
  await segment.file.sync();
  context.report({
    kind: 'tail-truncated',
    streamKey: context.streamKey,
    shardIndex: context.shardIndex,
    segment: segment.logPath,
    validBytes: invalid.position,
    truncatedBytes: sizeBytes - invalid.position,
    recordCount,
    reason: invalid.defect,
  });
}

/** Pass 4: the arrival time of the last batch of a sealed segment (walks from its last index entry). */
async function lastArrivalOf(segment: Segment): Promise<number | undefined> {
  if (segment.index.entryCount === 0) return undefined;
  const lastEntry = segment.index.entry(segment.index.entryCount - 1);
  const cursor = new BatchCursor(segment.file, lastEntry.position, segment.file.size(), { mode: 'headers' });
  let lastArrivalMs = lastEntry.arrivalMs;
  for (;;) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    // A defect here is left for reads to report with its exact position.
    if (step === 'end' || isDefect(step)) return lastArrivalMs;
    lastArrivalMs = step.header.arrivalMs;
  }
}
