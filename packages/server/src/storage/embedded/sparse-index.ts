/**
 * The sparse index of one segment: an entry for the first batch, then one for the first batch
 * that starts at least `indexIntervalBytes` after the previous entry. Because arrival times are
 * monotonic per shard, the same entries answer offset lookups and timestamp lookups (Kafka keeps
 * two files; one suffices here).
 *
 * Index file: the entries back to back, 16 bytes each, little-endian, no header:
 *   offset size field
 *        0    4 relativeOffset  batch baseOffset minus the segment's base offset
 *        4    4 position        byte position of the batch in the .log file
 *        8    8 arrivalMs       arrival time of that batch
 *
 * The file is a cache, not a source of truth: it carries no checksum, and `decodeIndexFile`
 * rejects anything inconsistent so the caller rebuilds it by scanning the segment.
 */
import assert from 'node:assert/strict';
import { readU64, writeU64 } from './batch-codec.js';

export const indexEntryBytes = 16;

export interface IndexEntry {
  readonly relativeOffset: number;
  readonly position: number;
  readonly arrivalMs: number;
}

const initialCapacity = 16;

export class SparseIndex {
  // Parallel typed arrays rather than objects: a 64 MiB segment has ~16,000 entries, and a
  // server keeps the index of every segment of every shard in memory.
  private relativeOffsets = new Uint32Array(initialCapacity);
  private positions = new Uint32Array(initialCapacity);
  private arrivals = new Float64Array(initialCapacity);
  private count = 0;

  constructor(private readonly intervalBytes: number) {}

  get entryCount(): number {
    return this.count;
  }

  /** Called for every batch in file order; adds an entry when the interval has passed. */
  observeBatch(entry: IndexEntry): void {
    const last = this.count - 1;
    if (last >= 0 && entry.position - (this.positions[last] as number) < this.intervalBytes) return;
    this.push(entry);
  }

  entry(index: number): IndexEntry {
    assert.ok(index >= 0 && index < this.count, 'index entry out of range');
    return {
      relativeOffset: this.relativeOffsets[index] as number,
      position: this.positions[index] as number,
      arrivalMs: this.arrivals[index] as number,
    };
  }

  /** The entry of the last indexed batch starting at or before `relativeOffset` (-1 if none). */
  floorByRelativeOffset(relativeOffset: number): number {
    return this.lastIndexWhere((index) => (this.relativeOffsets[index] as number) <= relativeOffset);
  }

  /** The last entry that arrived strictly before `timestampMs` (-1 if none). */
  lastArrivedBefore(timestampMs: number): number {
    return this.lastIndexWhere((index) => (this.arrivals[index] as number) < timestampMs);
  }

  encode(): Buffer {
    const bytes = Buffer.alloc(this.count * indexEntryBytes);
    for (let index = 0; index < this.count; index++) {
      const position = index * indexEntryBytes;
      bytes.writeUInt32LE(this.relativeOffsets[index] as number, position);
      bytes.writeUInt32LE(this.positions[index] as number, position + 4);
      writeU64(bytes, position + 8, this.arrivals[index] as number);
    }
    return bytes;
  }

  equals(other: SparseIndex): boolean {
    return this.encode().equals(other.encode());
  }

  private push(entry: IndexEntry): void {
    if (this.count === this.positions.length) this.grow();
    this.relativeOffsets[this.count] = entry.relativeOffset;
    this.positions[this.count] = entry.position;
    this.arrivals[this.count] = entry.arrivalMs;
    this.count += 1;
  }

  private grow(): void {
    const capacity = this.positions.length * 2;
    const relativeOffsets = new Uint32Array(capacity);
    const positions = new Uint32Array(capacity);
    const arrivals = new Float64Array(capacity);
    relativeOffsets.set(this.relativeOffsets);
    positions.set(this.positions);
    arrivals.set(this.arrivals);
    this.relativeOffsets = relativeOffsets;
    this.positions = positions;
    this.arrivals = arrivals;
  }

  /** Binary search for the last index whose predicate holds; entries are sorted on every key. */
  private lastIndexWhere(holds: (index: number) => boolean): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (holds(middle)) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  /**
   * Reads an index file, or says why it cannot be trusted. Checks only what needs no segment
   * bytes; the caller also checks the batch headers at the entries it is about to rely on.
   */
  static decode(bytes: Buffer, intervalBytes: number, segmentSizeBytes: number): SparseIndex | string {
    if (bytes.length % indexEntryBytes !== 0) return `size ${bytes.length} is not a multiple of ${indexEntryBytes}`;
    if (bytes.length === 0 && segmentSizeBytes > 0) return 'empty index for a non-empty segment';
    const index = new SparseIndex(intervalBytes);
    let previous: IndexEntry | undefined;
    for (let position = 0; position < bytes.length; position += indexEntryBytes) {
      const entry = {
        relativeOffset: bytes.readUInt32LE(position),
        position: bytes.readUInt32LE(position + 4),
        arrivalMs: readU64(bytes, position + 8),
      };
      const defect = entryDefect(entry, previous, segmentSizeBytes);
      if (defect !== undefined) return `entry ${position / indexEntryBytes}: ${defect}`;
      const checked = entry as IndexEntry;
      index.push(checked);
      previous = checked;
    }
    return index;
  }
}

function entryDefect(
  entry: { relativeOffset: number; position: number; arrivalMs: number | undefined },
  previous: IndexEntry | undefined,
  segmentSizeBytes: number,
): string | undefined {
  if (entry.arrivalMs === undefined) return 'arrival time out of range';
  if (entry.position >= segmentSizeBytes)
    return `position ${entry.position} is past the segment end ${segmentSizeBytes}`;
  if (previous === undefined) {
    return entry.relativeOffset === 0 && entry.position === 0 ? undefined : 'the first entry is not the first batch';
  }
  if (entry.relativeOffset <= previous.relativeOffset) return 'offsets not strictly increasing';
  if (entry.position <= previous.position) return 'positions not strictly increasing';
  if (entry.arrivalMs < previous.arrivalMs) return 'arrival times decreasing';
  return undefined;
}
