/**
 * One segment of a shard's log: a `.log` file of back-to-back batches named by the offset of its
 * first record, and (once sealed) a `.index` file beside it. Only the last segment of a shard is
 * active (appended to); the others are sealed and immutable.
 */
import * as path from 'node:path';
import type { BatchHeader } from './batch-codec.js';
import type { LogFile, LogFileSystem } from './file-system.js';
import type { SparseIndex } from './sparse-index.js';

const offsetDigits = 20;
const logSuffix = '.log';
const indexSuffix = '.index';
const segmentNamePattern = /^(\d{20})\.(log|index)$/;

export function logFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(offsetDigits, '0')}${logSuffix}`;
}

export function indexFileName(baseOffset: number): string {
  return `${String(baseOffset).padStart(offsetDigits, '0')}${indexSuffix}`;
}

export function segmentLogPath(directory: string, baseOffset: number): string {
  return path.join(directory, logFileName(baseOffset));
}

export function segmentIndexPath(directory: string, baseOffset: number): string {
  return path.join(directory, indexFileName(baseOffset));
}

/** The base offset and kind of a segment file name; undefined for any other file. */
export function parseSegmentFileName(name: string): { baseOffset: number; kind: 'log' | 'index' } | undefined {
  const match = segmentNamePattern.exec(name);
  if (match === null) return undefined;
  const baseOffset = Number(match[1]);
  if (!Number.isSafeInteger(baseOffset)) return undefined;
  return { baseOffset, kind: match[2] === 'log' ? 'log' : 'index' };
}

export class Segment {
  readonly logPath: string;
  readonly indexPath: string;
  /** Bytes readers may see: durable under the store's policy. Never beyond `writtenBytes`. */
  committedBytes: number;
  /** Bytes handed to the file system, including a write round whose sync is still in flight. */
  writtenBytes: number;
  sealed = false;

  constructor(
    readonly baseOffset: number,
    directory: string,
    readonly file: LogFile,
    /** Covers committed batches only, so lookups never land on bytes readers may not see. */
    public index: SparseIndex,
  ) {
    this.logPath = segmentLogPath(directory, baseOffset);
    this.indexPath = segmentIndexPath(directory, baseOffset);
    this.committedBytes = file.size();
    this.writtenBytes = file.size();
  }

  /** Records a batch that just became visible to readers. */
  commitBatch(position: number, header: Pick<BatchHeader, 'baseOffset' | 'arrivalMs' | 'batchBytes'>): void {
    this.index.observeBatch({
      relativeOffset: header.baseOffset - this.baseOffset,
      position,
      arrivalMs: header.arrivalMs,
    });
    this.committedBytes = position + header.batchBytes;
  }

  /** Arrival time of the first batch, or undefined while the segment is empty. */
  firstArrivalMs(): number | undefined {
    return this.index.entryCount > 0 ? this.index.entry(0).arrivalMs : undefined;
  }

  /** Persists the index. The file is an untrusted cache, but syncing it spares a rescan. */
  async writeIndexFile(fileSystem: LogFileSystem): Promise<void> {
    const bytes = this.index.encode();
    const file = await fileSystem.open(this.indexPath);
    try {
      await file.write([bytes], 0);
      await file.truncate(bytes.length);
      await file.sync();
    } finally {
      await file.close();
    }
  }
}
