/**
 * The offline check of one shard's log (`tributary verify`): every batch of every segment —
 * header, length, checksum, format, record layout, offset continuity, arrival order — and every
 * sealed segment's `.index` against a rebuild. It reads through the port only and changes
 * nothing: run it over `nodeReadOnlyFileSystem()` and a damaged directory stays exactly as found.
 *
 * It goes further than recovery does. Recovery stops at the first invalid batch of the active
 * segment and trusts sealed segments until a read fails; the check walks everything and, past a
 * damaged batch whose header is still readable, resumes at the next intact batch, so one flipped
 * bit is reported as one batch, not as the loss of the rest of the segment.
 *
 * Severity: an `error` is damage to data the log may have acknowledged (or an inconsistency no
 * start-up repairs); a `warning` is something the next start repairs without losing acknowledged
 * data under `--durability fsync` (a torn tail, a stale index) or a harmless leftover.
 */
import * as path from 'node:path';
import {
  type BatchDefect,
  type BatchHeader,
  batchHeaderBytes,
  decodeBatchRecords,
  isSealed,
  parseBatchHeader,
  verifyBatch,
} from './batch-codec.js';
import { BatchCursor, type BatchView, isDefect } from './batch-cursor.js';
import { countRecordsInRange } from './cut-records.js';
import type { LogFile, LogFileSystem } from './file-system.js';
import { indexIntervalBytesDefault } from './log-limits.js';
import { indexFileName, parseSegmentFileName } from './segment.js';
import { SparseIndex } from './sparse-index.js';

export type FindingSeverity = 'error' | 'warning';

export type FindingKind =
  /** A batch fails its checksum, format or record layout (or unreadable bytes follow damage). */
  | 'corrupt-batch'
  /** The active segment ends in bytes that are not a whole valid batch: the next start cuts them. */
  | 'torn-tail'
  /** A batch or segment does not start at the offset where the previous one ended. */
  | 'offset-gap'
  | 'arrival-backwards'
  | 'index-missing'
  | 'index-invalid'
  | 'index-mismatch'
  | 'orphan-index'
  | 'unexpected-file'
  /** Data-directory level (cli/verify.ts): metadata and directories that do not match. */
  | 'metadata-unreadable'
  | 'missing-directory'
  | 'orphan-directory';

export interface VerifyFinding {
  readonly severity: FindingSeverity;
  readonly kind: FindingKind;
  readonly streamKey?: string;
  readonly shardIndex?: number;
  /** The file (or directory) concerned. */
  readonly path?: string;
  /** The damaged byte range [byteStart, byteEnd) within the file. */
  readonly byteStart?: number;
  readonly byteEnd?: number;
  /** Records the damaged range holds, as far as headers can still be read. */
  readonly recordCount?: number;
  /** The offset the damaged range starts at. */
  readonly firstOffset?: number;
  readonly message: string;
}

export interface ShardSummary {
  readonly streamKey: string;
  readonly shardIndex: number;
  readonly directory: string;
  readonly segmentCount: number;
  readonly batchCount: number;
  /** Records in valid batches (damaged ones are not counted). */
  readonly recordCount: number;
  readonly sizeBytes: number;
  /** The first offset of the first segment, and one past the last valid record. */
  readonly startOffset: number;
  readonly endOffset: number;
}

export interface ShardVerification {
  readonly summary: ShardSummary;
  readonly findings: VerifyFinding[];
}

export interface ShardAddress {
  readonly streamKey: string;
  readonly shardIndex: number;
  readonly directory: string;
}

/** The state carried from one segment to the next. */
interface Walk {
  readonly shard: ShardAddress;
  readonly findings: VerifyFinding[];
  readonly indexIntervalBytes: number;
  expectedOffset: number | undefined;
  lastArrivalMs: number | undefined;
  batchCount: number;
  recordCount: number;
}

export async function verifyShard(
  fileSystem: LogFileSystem,
  shard: ShardAddress,
  options: { readonly indexIntervalBytes?: number } = {},
): Promise<ShardVerification> {
  const walk: Walk = {
    shard,
    findings: [],
    indexIntervalBytes: options.indexIntervalBytes ?? indexIntervalBytesDefault,
    expectedOffset: undefined,
    lastArrivalMs: undefined,
    batchCount: 0,
    recordCount: 0,
  };
  const { logBases, indexBases } = await listSegments(fileSystem, walk);
  let sizeBytes = 0;
  for (const [position, baseOffset] of logBases.entries()) {
    const isActive = position === logBases.length - 1;
    const logPath = path.join(shard.directory, `${String(baseOffset).padStart(20, '0')}.log`);
    if (walk.expectedOffset !== undefined && baseOffset !== walk.expectedOffset) {
      const message = `segment starts at offset ${baseOffset}, but the previous one ended at ${walk.expectedOffset}`;
      report(walk, 'error', 'offset-gap', { path: logPath, firstOffset: walk.expectedOffset, message });
    }
    walk.expectedOffset = baseOffset;
    const file = await fileSystem.open(logPath);
    try {
      sizeBytes += file.size();
      const scan = await scanSegment(walk, { file, logPath, baseOffset, isActive });
      const hasIndex = indexBases.includes(baseOffset);
      if (!isActive) await checkIndex(fileSystem, walk, { baseOffset, hasIndex, scan, sizeBytes: file.size() });
    } finally {
      await file.close();
    }
  }
  for (const baseOffset of indexBases) {
    if (logBases.includes(baseOffset)) continue;
    const message = 'index file without its segment (left by retention or a crash; ignored by recovery)';
    report(walk, 'warning', 'orphan-index', { path: path.join(shard.directory, indexFileName(baseOffset)), message });
  }
  const startOffset = logBases[0] ?? 0;
  return {
    summary: {
      streamKey: shard.streamKey,
      shardIndex: shard.shardIndex,
      directory: shard.directory,
      segmentCount: logBases.length,
      batchCount: walk.batchCount,
      recordCount: walk.recordCount,
      sizeBytes,
      startOffset,
      endOffset: walk.expectedOffset ?? startOffset,
    },
    findings: walk.findings,
  };
}

async function listSegments(
  fileSystem: LogFileSystem,
  walk: Walk,
): Promise<{ logBases: number[]; indexBases: number[] }> {
  const logBases: number[] = [];
  const indexBases: number[] = [];
  for (const name of await fileSystem.list(walk.shard.directory)) {
    const parsed = parseSegmentFileName(name);
    if (parsed === undefined) {
      const message = 'not a segment or index file (recovery ignores it)';
      report(walk, 'warning', 'unexpected-file', { path: path.join(walk.shard.directory, name), message });
    } else if (parsed.kind === 'log') {
      logBases.push(parsed.baseOffset);
    } else {
      indexBases.push(parsed.baseOffset);
    }
  }
  return { logBases: logBases.sort((a, b) => a - b), indexBases: indexBases.sort((a, b) => a - b) };
}

interface SegmentToScan {
  readonly file: LogFile;
  readonly logPath: string;
  readonly baseOffset: number;
  readonly isActive: boolean;
}

interface SegmentScan {
  /** The index a rebuild would write (valid batches only). */
  readonly index: SparseIndex;
  /** No damage: only then is the index on disk compared with the rebuild. */
  readonly clean: boolean;
}

interface Damage {
  readonly position: number;
  readonly defect: BatchDefect;
  /** The damaged batch's header, when it still parses (its checksum failed, or its layout). */
  readonly header: BatchHeader | undefined;
}

async function scanSegment(walk: Walk, segment: SegmentToScan): Promise<SegmentScan> {
  const { file, baseOffset } = segment;
  const sizeBytes = file.size();
  const index = new SparseIndex(walk.indexIntervalBytes);
  let clean = true;
  let cursor = new BatchCursor(file, 0, sizeBytes, { mode: 'batches' });
  for (;;) {
    const step = cursor.next();
    if (step === 'fill') {
      await cursor.fill();
      continue;
    }
    if (step === 'end') break;
    const defect = isDefect(step) ? step.defect : batchDefect(step);
    if (defect === undefined && !isDefect(step)) {
      clean = checkContinuity(walk, segment, step) && clean;
      index.observeBatch({
        relativeOffset: step.header.baseOffset - baseOffset,
        position: step.position,
        arrivalMs: step.header.arrivalMs,
      });
      walk.batchCount += 1;
      walk.recordCount += step.header.recordCount;
      walk.expectedOffset = step.header.baseOffset + step.header.recordCount;
      walk.lastArrivalMs = step.header.arrivalMs;
      continue;
    }
    clean = false;
    const damage: Damage = {
      position: step.position,
      defect: defect ?? 'bad-record-layout',
      header: isDefect(step) ? undefined : step.header,
    };
    const resumeAt = await findResume(file, damage, walk.expectedOffset ?? baseOffset);
    await reportDamage(walk, segment, damage, resumeAt);
    if (resumeAt === undefined || damage.header === undefined) break;
    walk.expectedOffset = (walk.expectedOffset ?? baseOffset) + damage.header.recordCount;
    cursor = new BatchCursor(file, resumeAt, sizeBytes, { mode: 'batches' });
  }
  return { index, clean };
}

/** Checksum, format and (for plain batches) record layout of a whole batch. */
function batchDefect(view: BatchView): BatchDefect | undefined {
  const defect = verifyBatch(view.bytes, view.start, view.header);
  if (defect !== undefined || isSealed(view.header)) return defect;
  const { header } = view;
  const window = { fromOffset: header.baseOffset, endOffset: header.baseOffset + header.recordCount };
  const budget = { recordsLeft: header.recordCount + 1, bytesLeft: Number.POSITIVE_INFINITY };
  const decoded = decodeBatchRecords(view.bytes, view.start, header, window, budget, []);
  return decoded === 'bad-record-layout' ? decoded : undefined;
}

/** Offsets continue and arrival times do not decrease; reports and answers false when not. */
function checkContinuity(walk: Walk, segment: SegmentToScan, view: BatchView): boolean {
  const expected = walk.expectedOffset ?? segment.baseOffset;
  const where = { path: segment.logPath, byteStart: view.position, byteEnd: view.position + view.header.batchBytes };
  let continuous = true;
  if (view.header.baseOffset !== expected) {
    const message = `batch starts at offset ${view.header.baseOffset}, expected ${expected}`;
    report(walk, 'error', 'offset-gap', { ...where, firstOffset: expected, message });
    continuous = false;
  }
  if (walk.lastArrivalMs !== undefined && view.header.arrivalMs < walk.lastArrivalMs) {
    const message = `arrival time ${view.header.arrivalMs} is before the previous batch's ${walk.lastArrivalMs}`;
    report(walk, 'error', 'arrival-backwards', { ...where, firstOffset: view.header.baseOffset, message });
    continuous = false;
  }
  return continuous;
}

/**
 * Where the walk can go on after a damaged batch: the byte after it, when its header told its
 * length and an intact-looking header continuing the offsets starts there. Undefined otherwise.
 */
async function findResume(file: LogFile, damage: Damage, expectedOffset: number): Promise<number | undefined> {
  if (damage.header === undefined) return undefined;
  const next = damage.position + damage.header.batchBytes;
  if (next + batchHeaderBytes > file.size()) return undefined;
  const bytes = Buffer.alloc(batchHeaderBytes);
  await file.read(bytes, 0, batchHeaderBytes, next);
  const header = parseBatchHeader(bytes, 0);
  if (typeof header === 'string') return undefined;
  return header.baseOffset === expectedOffset + damage.header.recordCount ? next : undefined;
}

async function reportDamage(
  walk: Walk,
  segment: SegmentToScan,
  damage: Damage,
  resumeAt: number | undefined,
): Promise<void> {
  const sizeBytes = segment.file.size();
  const firstOffset = walk.expectedOffset ?? segment.baseOffset;
  if (segment.isActive && resumeAt === undefined) {
    // The active segment ends in bytes that are no whole valid batch: what a crash leaves.
    const recordCount = await countRecordsInRange(segment.file, damage.position, sizeBytes);
    const message =
      `the active segment ends in ${sizeBytes - damage.position} bytes that are not a valid batch ` +
      `(${damage.defect}, ${recordCount} records): the next start truncates them — writes that were never ` +
      'acknowledged under --durability fsync';
    const range = { byteStart: damage.position, byteEnd: sizeBytes };
    report(walk, 'warning', 'torn-tail', { path: segment.logPath, ...range, recordCount, firstOffset, message });
    return;
  }
  const byteEnd = resumeAt ?? sizeBytes;
  const claimed = damage.header === undefined ? {} : { recordCount: damage.header.recordCount };
  let message =
    resumeAt === undefined
      ? `${damage.defect}: bytes from ${damage.position} to the end of the segment cannot be read`
      : `${damage.defect}: a batch of ${damage.header?.recordCount} records from offset ${firstOffset} is damaged`;
  if (segment.isActive) {
    const cutRecords = await countRecordsInRange(segment.file, damage.position, sizeBytes);
    message += `; the next start truncates the active segment here, dropping ${cutRecords} records including intact ones after it`;
  }
  const range = { byteStart: damage.position, byteEnd };
  report(walk, 'error', 'corrupt-batch', { path: segment.logPath, ...range, ...claimed, firstOffset, message });
}

async function checkIndex(
  fileSystem: LogFileSystem,
  walk: Walk,
  segment: { baseOffset: number; hasIndex: boolean; scan: SegmentScan; sizeBytes: number },
): Promise<void> {
  const indexPath = path.join(walk.shard.directory, indexFileName(segment.baseOffset));
  if (!segment.hasIndex) {
    report(walk, 'warning', 'index-missing', {
      path: indexPath,
      message: 'sealed segment without its index (the next start rebuilds it)',
    });
    return;
  }
  const file = await fileSystem.open(indexPath);
  let bytes: Buffer;
  try {
    bytes = Buffer.alloc(file.size());
    await file.read(bytes, 0, bytes.length, 0);
  } finally {
    await file.close();
  }
  const decoded = SparseIndex.decode(bytes, walk.indexIntervalBytes, segment.sizeBytes);
  if (typeof decoded === 'string') {
    report(walk, 'warning', 'index-invalid', { path: indexPath, message: `${decoded} (the next start rebuilds it)` });
  } else if (segment.scan.clean && !decoded.equals(segment.scan.index)) {
    const message = `differs from a rebuild from the segment (${decoded.entryCount} entries, a rebuild has ${segment.scan.index.entryCount}); reads that rely on a wrong entry rebuild it`;
    report(walk, 'warning', 'index-mismatch', { path: indexPath, message });
  }
}

function report(
  walk: Walk,
  severity: FindingSeverity,
  kind: FindingKind,
  details: Omit<VerifyFinding, 'severity' | 'kind' | 'streamKey' | 'shardIndex'>,
): void {
  walk.findings.push({
    severity,
    kind,
    streamKey: walk.shard.streamKey,
    shardIndex: walk.shard.shardIndex,
    ...details,
  });
}
