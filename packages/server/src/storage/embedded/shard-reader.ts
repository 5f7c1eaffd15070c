/**
 * Reads of one shard's log: records from an offset, and the offset for a timestamp. Both find a
 * segment by binary search, then an index entry, then walk batches forward. Every batch whose
 * records are returned has its checksum verified on every read: bytes that rotted on disk after
 * they were written are reported as CorruptLogError, never served.
 */
import assert from 'node:assert/strict';
import type { LogRecord, ReadLimits, ReadOptions, ReadResult } from '../ports.js';
import {
  batchHeaderBytes,
  decodeBatchRecords,
  isSealed,
  type ReadBudget,
  recordEntryBytes,
  verifyBatch,
} from './batch-codec.js';
import { openBatch } from './batch-crypto.js';
import { BatchCursor, type BatchView, type CursorOptions, isDefect, readChunks } from './batch-cursor.js';
import { DataKeyUnavailableError } from './log-errors.js';
import { readChunkBytesMin, recordReadChunkBytesMax } from './log-limits.js';
import type { Segment } from './segment.js';
import { corruptLogError, type ShardContext } from './shard-context.js';
import { rebuildSealedIndex } from './shard-recovery.js';

/** The parts of a shard log that reads see. Only committed (durable) bytes are reachable. */
export interface ReadableShard {
  readonly context: ShardContext;
  /** Oldest first; the last one is active. */
  readonly segments: readonly Segment[];
  endOffset(): number;
  lastArrivalMs(): number | undefined;
}

export async function readRecords(
  shard: ReadableShard,
  fromOffset: number,
  limits: ReadLimits,
  options: ReadOptions = {},
): Promise<ReadResult> {
  assert.ok(Number.isSafeInteger(fromOffset) && fromOffset >= 0, 'fromOffset is a non-negative integer');
  assert.ok(
    Number.isSafeInteger(limits.recordCountMax) && limits.recordCountMax > 0,
    'recordCountMax is a positive integer',
  );
  assert.ok(Number.isSafeInteger(limits.bytesMax) && limits.bytesMax > 0, 'bytesMax is a positive integer');
  const segments = shard.segments.slice();
  const startOffset = segments[0]?.baseOffset ?? 0;
  const window = { fromOffset: Math.max(fromOffset, startOffset), endOffset: shard.endOffset() };
  const records: LogRecord[] = [];
  const budget: ReadBudget = { recordsLeft: limits.recordCountMax, bytesLeft: limits.bytesMax };
  let segmentIndex = segmentIndexOf(segments, window.fromOffset);
  let expectedOffset: number | undefined;
  while (window.fromOffset < window.endOffset && budget.recordsLeft > 0) {
    const segment = segments[segmentIndex];
    if (segment === undefined) break;
    if (expectedOffset !== undefined && segment.baseOffset !== expectedOffset) {
      const reason = `segment starts at offset ${segment.baseOffset}, expected ${expectedOffset}`;
      throw corruptLogError(shard.context, segment.logPath, { byteStart: 0, byteEnd: 0 }, reason);
    }
    const segmentEndOffset = segments[segmentIndex + 1]?.baseOffset ?? window.endOffset;
    const chunkBytes = firstChunkBytes(segment, segmentEndOffset, budget, shard.context.indexIntervalBytes);
    const outcome = await readSegment(
      { context: shard.context, segment, segmentEndOffset, chunkBytes, options },
      window,
      budget,
      records,
    );
    if (outcome === 'done') break;
    expectedOffset = outcome.segmentEndOffset;
    segmentIndex += 1;
  }
  const last = records.at(-1);
  const result: ReadResult = { records, nextOffset: last === undefined ? window.fromOffset : last.offset + 1 };
  // The chunks under the records go back to the pool (each at most once); sealed batches were
  // opened into buffers of their own, which the pool ignores. Not enumerable: a result still
  // compares (deepEqual) and spreads as the plain { records, nextOffset } it always was.
  const releaseBefore = chunkReleaser(records);
  Object.defineProperty(result, 'release', { enumerable: false, value: () => releaseBefore(records.length) });
  Object.defineProperty(result, 'releaseBefore', { enumerable: false, value: releaseBefore });
  return result;
}

/**
 * ReadResult.releaseBefore: hands back the chunks whose last record comes before `count`. A chunk's
 * records are not always consecutive: a sealed batch between two plain ones of the same chunk is
 * opened into a buffer of its own, so the plain records around it share the chunk. Each chunk is
 * therefore known by the index of its last record (worked out on the first call, so reads whose
 * caller never releases early pay nothing).
 */
function chunkReleaser(records: readonly LogRecord[]): (count: number) => void {
  let byLastRecord: { readonly view: Buffer; readonly lastIndex: number }[] | undefined;
  let next = 0;
  return (count) => {
    if (byLastRecord === undefined) {
      const lastIndexOf = new Map<ArrayBufferLike, number>();
      records.forEach((record, index) => {
        lastIndexOf.set(record.data.buffer, index);
      });
      byLastRecord = [...lastIndexOf.values()]
        .sort((a, b) => a - b)
        .map((lastIndex) => ({ view: (records[lastIndex] as LogRecord).data, lastIndex }));
    }
    const done: Buffer[] = [];
    while (next < byLastRecord.length && (byLastRecord[next] as { lastIndex: number }).lastIndex < count) {
      done.push((byLastRecord[next] as { view: Buffer }).view);
      next += 1;
    }
    readChunks.give(done);
  };
}

interface ReadWindow {
  readonly fromOffset: number;
  /** The committed end when the read began: later appends are not part of this read. */
  readonly endOffset: number;
}

/** The index of the last segment whose base offset is at or before `offset` (0 if none is). */
function segmentIndexOf(segments: readonly Segment[], offset: number): number {
  let low = 0;
  let high = segments.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if ((segments[middle] as Segment).baseOffset <= offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

/**
 * How much of a segment a read fetches first: what its budget can return at the segment's
 * average bytes per record, plus the distance from the index entry it starts at. Reading too
 * little costs extra system calls; too much costs copying and garbage, since a 10 MiB read
 * allocates 10 MiB outside the JavaScript heap.
 */
function firstChunkBytes(
  segment: Segment,
  segmentEndOffset: number,
  budget: ReadBudget,
  indexIntervalBytes: number,
): number {
  const recordCount = Math.max(segmentEndOffset - segment.baseOffset, 1);
  const averageRecordBytes = segment.committedBytes / recordCount;
  const budgetBytes = budget.bytesLeft + budget.recordsLeft * (recordEntryBytes + batchHeaderBytes);
  const wantedBytes =
    Math.min(budget.recordsLeft * averageRecordBytes, budgetBytes) + indexIntervalBytes + batchHeaderBytes;
  return Math.min(Math.max(Math.ceil(wantedBytes), readChunkBytesMin), recordReadChunkBytesMax);
}

interface SegmentRead {
  readonly context: ShardContext;
  readonly segment: Segment;
  readonly segmentEndOffset: number;
  readonly chunkBytes: number;
  readonly options: ReadOptions;
}

async function readSegment(
  { context, segment, segmentEndOffset, chunkBytes, options }: SegmentRead,
  window: ReadWindow,
  budget: ReadBudget,
  out: LogRecord[],
): Promise<'done' | { segmentEndOffset: number }> {
  const walk = await walkFrom(
    context,
    segment,
    window.fromOffset,
    {
      mode: 'batches',
      chunkBytesInitial: chunkBytes,
      // Later chunks fetch what the budget still allows (the cursor adds the batch it needs).
      chunkBytesNext: () => firstChunkBytes(segment, segmentEndOffset, budget, 0),
    },
    (view) => {
      const batchEndOffset = view.header.baseOffset + view.header.recordCount;
      // Batches wholly before the read are skipped without checksumming: nothing of them is served.
      if (batchEndOffset <= window.fromOffset) return 'continue';
      if (view.header.baseOffset >= window.endOffset) return 'stop';
      const defect = verifyBatch(view.bytes, view.start, view.header);
      if (defect !== undefined) throw batchCorrupt(context, segment, view, defect);
      const plain = isSealed(view.header) ? openSealed(context, segment, view, options) : view;
      const decoded = decodeBatchRecords(plain.bytes, plain.start, plain.header, window, budget, out);
      if (typeof decoded === 'string') throw batchCorrupt(context, segment, view, decoded);
      return decoded && batchEndOffset < window.endOffset ? 'continue' : 'stop';
    },
  );
  return walk.stopped ? 'done' : { segmentEndOffset: walk.nextOffset };
}

/** Opens a sealed batch with the caller's key for it; the checksum was verified already. */
function openSealed(context: ShardContext, segment: Segment, view: BatchView, options: ReadOptions): BatchView {
  const key = options.dataKey?.(view.header.dataKeyId);
  if (key === undefined)
    throw new DataKeyUnavailableError(context.streamKey, context.shardIndex, view.header.dataKeyId);
  const opened = openBatch(view.bytes, view.start, view.header, key);
  if (opened === 'bad-seal') throw batchCorrupt(context, segment, view, opened);
  return { ...opened, position: view.position };
}

/** The first offset whose record arrived at or after `timestampMs` (the end offset if none did). */
export async function offsetAtOrAfter(shard: ReadableShard, timestampMs: number): Promise<number> {
  const endOffset = shard.endOffset();
  const lastArrivalMs = shard.lastArrivalMs();
  if (lastArrivalMs === undefined || lastArrivalMs < timestampMs) return endOffset;
  const segments = shard.segments.slice();
  // The last segment whose first batch arrived before the timestamp holds the answer, or it is
  // the base of the segment after it. No such segment: the very first record qualifies.
  const segment = lastSegmentStartedBefore(segments, timestampMs);
  if (segment === undefined) return segments[0]?.baseOffset ?? 0;
  const scan = { mode: 'headers', chunkBytesInitial: readChunkBytesMin } as const;
  const visit: Visit = (view) => (view.header.arrivalMs >= timestampMs ? 'stop' : 'continue');
  // The entry is chosen by its arrival time; when the walk finds the index wrong and rebuilds it,
  // the choice was made from bad data, so it is made once more from the rebuilt index.
  for (let attempt = 0; ; attempt++) {
    const index = segment.index;
    const entry = index.entry(Math.max(index.lastArrivedBefore(timestampMs), 0));
    const walk = await walkFrom(shard.context, segment, segment.baseOffset + entry.relativeOffset, scan, visit);
    if (segment.index === index || attempt > 0) return Math.min(walk.nextOffset, endOffset);
  }
}

function lastSegmentStartedBefore(segments: readonly Segment[], timestampMs: number): Segment | undefined {
  let found: Segment | undefined;
  let low = 0;
  let high = segments.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const segment = segments[middle] as Segment;
    const firstArrivalMs = segment.firstArrivalMs();
    // Only the active segment can be empty, and it is last: treat it as arriving in the future.
    if (firstArrivalMs !== undefined && firstArrivalMs < timestampMs) {
      found = segment;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

type Visit = (view: BatchView) => 'continue' | 'stop';

interface WalkResult {
  /** True when the visitor stopped the walk; false when it reached the committed end. */
  readonly stopped: boolean;
  /** Offset of the batch the visitor stopped at, or one past the last batch walked. */
  readonly nextOffset: number;
}

/**
 * Walks the committed batches of a segment from the index entry at or before `offset`. When the
 * batch at that entry does not match it (a damaged `.index` the open-time checks let through),
 * a sealed segment's index is rebuilt and the walk retried once.
 */
async function walkFrom(
  context: ShardContext,
  segment: Segment,
  offset: number,
  cursorOptions: CursorOptions,
  visit: Visit,
): Promise<WalkResult> {
  const first = await walkOnce(context, segment, offset, cursorOptions, visit);
  if (first !== 'index-mismatch') return first;
  if (!segment.sealed)
    throw corruptLogError(
      context,
      segment.logPath,
      { byteStart: 0, byteEnd: 0 },
      'in-memory index does not match the segment',
    );
  await rebuildSealedIndex(context, segment, 'an index entry does not match the batch it points at');
  const second = await walkOnce(context, segment, offset, cursorOptions, visit);
  if (second !== 'index-mismatch') return second;
  throw corruptLogError(
    context,
    segment.logPath,
    { byteStart: 0, byteEnd: 0 },
    'rebuilt index does not match the segment',
  );
}

async function walkOnce(
  context: ShardContext,
  segment: Segment,
  offset: number,
  cursorOptions: CursorOptions,
  visit: Visit,
): Promise<WalkResult | 'index-mismatch'> {
  const entryIndex = segment.index.floorByRelativeOffset(offset - segment.baseOffset);
  const indexed = entryIndex >= 0 ? segment.index.entry(entryIndex) : undefined;
  const entry = indexed ?? { relativeOffset: 0, position: 0 };
  const cursor = new BatchCursor(segment.file, entry.position, segment.committedBytes, cursorOptions);
  let expectedOffset = segment.baseOffset + entry.relativeOffset;
  let atEntry = true;
  for (;;) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    if (step === 'end') return { stopped: false, nextOffset: expectedOffset };
    const mismatch = isDefect(step)
      ? step.defect
      : step.header.baseOffset !== expectedOffset
        ? 'unexpected-offset'
        : undefined;
    // The entry must agree with its batch on the arrival time too: timestamp lookups pick entries
    // by it, and a wrong one would start the walk past the answer.
    const arrivalDisagrees = indexed !== undefined && !isDefect(step) && step.header.arrivalMs !== indexed.arrivalMs;
    if ((mismatch !== undefined || arrivalDisagrees) && atEntry && entry.position > 0) return 'index-mismatch';
    if (isDefect(step))
      throw corruptLogError(
        context,
        segment.logPath,
        { byteStart: step.position, byteEnd: segment.committedBytes, firstOffset: expectedOffset },
        step.defect,
      );
    // The damaged batch starts where the log says it should, whatever its header claims.
    if (mismatch !== undefined) throw batchCorrupt(context, segment, step, mismatch, expectedOffset);
    atEntry = false;
    if (visit(step) === 'stop') return { stopped: true, nextOffset: expectedOffset };
    expectedOffset += step.header.recordCount;
  }
}

function batchCorrupt(
  context: ShardContext,
  segment: Segment,
  view: BatchView,
  reason: string,
  firstOffset = view.header.baseOffset,
): Error {
  const { header } = view;
  const range = { byteStart: view.position, byteEnd: view.position + header.batchBytes };
  return corruptLogError(context, segment.logPath, { ...range, recordCount: header.recordCount, firstOffset }, reason);
}
