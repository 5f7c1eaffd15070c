/**
 * Counts the records in a byte range of a segment that is about to be cut away (a torn or corrupt
 * tail), so that recovery can say how many records it dropped, not only how many bytes.
 *
 * The count follows batch headers from the start of the range: each header that still parses adds
 * its record count, whether its batch is complete, torn or fails its checksum, and the walk jumps
 * by its length. The walk stops at the first header that does not parse, since nothing after it
 * can be located; a batch torn inside its header is therefore not counted.
 */
import { batchHeaderBytes, parseBatchHeader } from './batch-codec.js';
import type { LogFile } from './file-system.js';

export async function countRecordsInRange(file: LogFile, byteStart: number, byteEnd: number): Promise<number> {
  const header = Buffer.alloc(batchHeaderBytes);
  let recordCount = 0;
  let position = byteStart;
  // Each step advances by a whole batch (at least the header), so the walk ends within the range.
  while (position + batchHeaderBytes <= byteEnd) {
    const readBytes = await file.read(header, 0, batchHeaderBytes, position);
    const parsed = parseBatchHeader(header.subarray(0, readBytes), 0);
    if (typeof parsed === 'string') break;
    recordCount += parsed.recordCount;
    position += parsed.batchBytes;
  }
  return recordCount;
}
