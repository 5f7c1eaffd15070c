/**
 * Walks the batches of a segment file in chunked reads. Recovery, index rebuilds, reads and
 * timestamp lookups all use it, so header validation happens in exactly one place.
 *
 * `next()` is synchronous and answers from the current chunk; when it needs bytes it answers
 * 'fill' and the caller awaits `fill()`. That keeps the per-batch cost of a read to a few
 * property reads instead of one promise per batch.
 */

import { type BatchDefect, type BatchHeader, batchHeaderBytes, parseBatchHeader } from './batch-codec.js';
import type { LogFile } from './file-system.js';
import { readChunkBytesInitial, readChunkBytesMax } from './log-limits.js';

/** A batch in the cursor's chunk: `bytes[start, start + header.batchBytes)` (header only in 'headers' mode). */
export interface BatchView {
  readonly bytes: Buffer;
  readonly start: number;
  /** Byte position of the batch in the file. */
  readonly position: number;
  readonly header: BatchHeader;
}

export interface BatchDefectAt {
  readonly defect: BatchDefect;
  /** Byte position in the file where the defective batch starts. */
  readonly position: number;
}

export type CursorStep = BatchView | BatchDefectAt | 'fill' | 'end';

export function isDefect(step: CursorStep): step is BatchDefectAt {
  return typeof step === 'object' && 'defect' in step;
}

export interface CursorOptions {
  /** 'batches' makes each whole batch available (to verify and decode); 'headers' reads only headers. */
  readonly mode: 'batches' | 'headers';
  readonly chunkBytesInitial?: number;
}

export class BatchCursor {
  private chunk: Buffer = Buffer.alloc(0);
  private chunkPosition = 0;
  private chunkBytes: number;
  /** Bytes the next fill must bring at least: a whole batch that did not fit the last chunk. */
  private bytesNeeded = batchHeaderBytes;
  /** The last fill got fewer bytes than asked: the file shrank, or the file system lies about its size. */
  private shortRead = false;

  constructor(
    private readonly file: LogFile,
    private position: number,
    private readonly endPosition: number,
    private readonly options: CursorOptions,
  ) {
    this.chunkBytes = options.chunkBytesInitial ?? readChunkBytesInitial;
  }

  /** The file position of the next batch. */
  get nextPosition(): number {
    return this.position;
  }

  next(): CursorStep {
    if (this.position >= this.endPosition) return 'end';
    if (this.position + batchHeaderBytes > this.endPosition) return { defect: 'short-header', position: this.position };
    const start = this.position - this.chunkPosition;
    if (start < 0 || start + batchHeaderBytes > this.chunk.length) return this.needBytes(batchHeaderBytes);
    const header = parseBatchHeader(this.chunk, start);
    if (typeof header === 'string') return { defect: header, position: this.position };
    if (this.position + header.batchBytes > this.endPosition) return { defect: 'torn-batch', position: this.position };
    if (this.options.mode === 'batches' && start + header.batchBytes > this.chunk.length) {
      return this.needBytes(header.batchBytes);
    }
    const view = { bytes: this.chunk, start, position: this.position, header };
    this.position += header.batchBytes;
    return view;
  }

  async fill(): Promise<void> {
    const lengthBytes = Math.min(Math.max(this.chunkBytes, this.bytesNeeded), this.endPosition - this.position);
    // A fresh buffer per chunk: decoded records are views into it and outlive the cursor.
    const chunk = Buffer.allocUnsafe(lengthBytes);
    const readBytes = await this.file.read(chunk, 0, lengthBytes, this.position);
    this.shortRead = readBytes < lengthBytes;
    this.chunk = chunk.subarray(0, readBytes);
    this.chunkPosition = this.position;
    this.chunkBytes = Math.min(this.chunkBytes * 2, readChunkBytesMax);
    this.bytesNeeded = batchHeaderBytes;
  }

  private needBytes(bytes: number): CursorStep {
    // After a short read the bytes will not come; what is missing is a torn batch.
    if (this.shortRead && this.chunkPosition === this.position)
      return { defect: 'torn-batch', position: this.position };
    this.bytesNeeded = bytes;
    return 'fill';
  }
}
