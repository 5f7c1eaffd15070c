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
  /**
   * How much the next fill should fetch (at least the batch it needs), for a caller that knows
   * what it still wants; without it each fill doubles the last, up to readChunkBytesMax. A read
   * whose last batch straddles its first chunk would otherwise fetch 16 MiB for one batch.
   */
  readonly chunkBytesNext?: () => number;
}

const mebibyte = 1024 * 1024;
/** Pooled chunk sizes are multiples of this: fewer distinct sizes, more reuse. */
const chunkGrain = 2 * mebibyte;

/**
 * Read chunks that readers handed back (ReadResult.release) once they had copied their records
 * out: a GetRecords of 10,000 × 1 KiB reads a ~10.5 MB chunk, and without reuse every call leaves
 * one behind for the garbage collector, which frees memory outside the JavaScript heap only after
 * ~64 MB more of it has piled up, and then hands it to malloc, which keeps much of it (docs/
 * performance.md). Chunks are whole ArrayBuffers made here (sizes rounded up to 2 MiB, so they
 * fit later reads), handed out as views of the size asked for. At most `pooledBytesMax` wait in
 * the pool, the largest ones; the rest is left to the garbage collector.
 */
export class ChunkPool {
  readonly #made = new WeakSet<ArrayBuffer>();
  #free: ArrayBuffer[] = [];
  #freeBytes = 0;

  constructor(private readonly pooledBytesMax: number) {}

  /** A buffer of exactly `bytes` bytes, over pooled memory when a free chunk is large enough. */
  take(bytes: number): Buffer {
    let best = -1;
    for (let index = 0; index < this.#free.length; index++) {
      const size = (this.#free[index] as ArrayBuffer).byteLength;
      if (size >= bytes && (best < 0 || size < (this.#free[best] as ArrayBuffer).byteLength)) best = index;
    }
    if (best >= 0) {
      const [chunk] = this.#free.splice(best, 1) as [ArrayBuffer];
      this.#freeBytes -= chunk.byteLength;
      this.#made.add(chunk);
      this.counts.reused++;
      return Buffer.from(chunk, 0, bytes);
    }
    // Small chunks (timestamp lookups, recovery) are not worth pooling.
    if (bytes < mebibyte) return Buffer.allocUnsafe(bytes);
    // allocUnsafeSlow: a chunk of its own, not zero-filled (the read overwrites what it serves).
    const chunk = Buffer.allocUnsafeSlow(Math.ceil(bytes / chunkGrain) * chunkGrain).buffer as ArrayBuffer;
    this.#made.add(chunk);
    this.counts.made++;
    return Buffer.from(chunk, 0, bytes);
  }

  /** Hands back the chunks under these buffers; buffers over memory not made here are ignored. */
  give(buffers: Iterable<Uint8Array>): void {
    let previous: ArrayBufferLike | undefined;
    for (const buffer of buffers) {
      const chunk = buffer.buffer;
      // Records of one chunk come one after another: look each chunk up once.
      if (chunk === previous) continue;
      previous = chunk;
      if (!(chunk instanceof ArrayBuffer) || !this.#made.has(chunk)) continue;
      // Each chunk once: the pool forgets it until it is taken (and made known) again.
      this.#made.delete(chunk);
      if (chunk.byteLength > this.pooledBytesMax) continue;
      this.#free.push(chunk);
      this.#freeBytes += chunk.byteLength;
      // Over the limit the smallest free chunks go first: the pool settles on chunks that fit any
      // read, instead of keeping small ones and freeing (and reallocating) the large ones.
      while (this.#freeBytes > this.pooledBytesMax) {
        const smallest = this.#smallestFree();
        const [dropped] = this.#free.splice(smallest, 1) as [ArrayBuffer];
        this.#freeBytes -= dropped.byteLength;
      }
    }
  }

  #smallestFree(): number {
    let smallest = 0;
    for (let index = 1; index < this.#free.length; index++) {
      if ((this.#free[index] as ArrayBuffer).byteLength < (this.#free[smallest] as ArrayBuffer).byteLength) {
        smallest = index;
      }
    }
    return smallest;
  }

  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** Buffers of at least 1 MiB made anew, and ones served from the pool (for tests and tuning). */
  readonly counts = { made: 0, reused: 0 };
}

/**
 * The pool every cursor fills from. Record reads use chunks of at most 2 MiB that GetRecords hands
 * back as its answer goes out, so a few of them serve several concurrent 10 MiB reads.
 */
export const readChunks = new ChunkPool(16 * mebibyte);

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
    // A fresh buffer per chunk (pooled memory no reader holds any more): decoded records are
    // views into it and outlive the cursor.
    const chunk = readChunks.take(lengthBytes);
    const readBytes = await this.file.read(chunk, 0, lengthBytes, this.position);
    this.shortRead = readBytes < lengthBytes;
    this.chunk = chunk.subarray(0, readBytes);
    this.chunkPosition = this.position;
    this.chunkBytes = this.options.chunkBytesNext?.() ?? Math.min(this.chunkBytes * 2, readChunkBytesMax);
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
