/**
 * Where a subscription starts: SubscribeToShard's StartingPosition resolved to a log offset, with
 * GetShardIterator's checks (the same iterator types; AWS's SubscribeToShard wording is not
 * recorded, so the messages name SequenceNumber, the member this operation has).
 *
 * A ContinuationSequenceNumber is the number of the last record sent, or, before anything was
 * sent, of the record before the position: clients resume with AFTER_SEQUENCE_NUMBER of it
 * (KCL 2.0.1 switched to AFTER_SEQUENCE_NUMBER to stop re-delivering that record). Before a
 * shard's first record no record exists, so the shard's start marker stands in.
 */
import type { ShardLog } from '../../storage/ports.js';
import { streamErrors } from './errors.js';
import { decodeSequence, decodeShardStartMarker, sequenceString, shardStartMarker } from './sequence-number.js';
import { type ShardState, type StreamState, shardIdOf } from './state.js';

export type StartingPositionType =
  | 'AT_SEQUENCE_NUMBER'
  | 'AFTER_SEQUENCE_NUMBER'
  | 'TRIM_HORIZON'
  | 'LATEST'
  | 'AT_TIMESTAMP';

export interface StartingPosition {
  readonly Type: StartingPositionType;
  readonly SequenceNumber?: string;
  /** Milliseconds since the epoch (the front door converts timestamps). */
  readonly Timestamp?: number;
}

interface Target {
  readonly stream: StreamState;
  readonly shard: ShardState;
  readonly log: ShardLog;
  readonly account: string;
  readonly nowMs: number;
}

function sequenceOffset(target: Target, type: StartingPositionType, sequence: string): number {
  const { stream, shard, log, account } = target;
  const marker = decodeShardStartMarker(sequence);
  const parts = marker ?? decodeSequence(sequence);
  if (!parts) throw streamErrors.invalidStartingPositionSequence(sequence, shard.shardId, stream.name, account);
  if (parts.shardIndex !== shard.index)
    throw streamErrors.sequenceFromOtherShard(shardIdOf(parts.shardIndex), shard.shardId);
  if (parts.shardEpochMs !== shard.epochMs) {
    throw streamErrors.sequenceFromOtherStream(sequence, shard.shardId, stream.name, account);
  }
  // The marker stands before offset 0: both AT and AFTER it start there.
  if (marker) return 0;
  if (parts.offset >= log.endOffset()) {
    throw streamErrors.invalidStartingPositionSequence(sequence, shard.shardId, stream.name, account);
  }
  return type === 'AT_SEQUENCE_NUMBER' ? parts.offset : parts.offset + 1;
}

/** The offset the subscription starts at (clamped to the trim horizon), or AWS's argument error. */
export async function startingOffset(target: Target, position: StartingPosition): Promise<number> {
  const { log } = target;
  const type = position.Type;
  const sequence = position.SequenceNumber;
  let offset: number;
  if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
    if (sequence === undefined) throw streamErrors.startingPositionMismatch(type, false);
    offset = sequenceOffset(target, type, sequence);
  } else if (sequence !== undefined && type !== 'AT_TIMESTAMP') {
    throw streamErrors.startingPositionMismatch(type, true);
  } else if (type === 'TRIM_HORIZON') {
    offset = log.startOffset();
  } else if (type === 'LATEST') {
    offset = log.endOffset();
  } else {
    if (position.Timestamp === undefined) throw streamErrors.timestampMissing();
    // JSON carries epoch seconds with a fraction, so `seconds * 1000` can land a hair off the
    // millisecond the client meant (…997.0002), which would skip a record that arrived at …997.
    const timestampMs = Math.round(position.Timestamp);
    if (timestampMs > target.nowMs) throw streamErrors.timestampInFuture(timestampMs, target.nowMs);
    offset = await log.offsetAtOrAfter(timestampMs);
  }
  return Math.max(offset, log.startOffset());
}

/** What a client resumes from (AFTER_SEQUENCE_NUMBER) when the next record to send is `offset`. */
export function continuationSequence(shard: ShardState, offset: number): string {
  if (offset === 0) return shardStartMarker(shard.epochMs, shard.index);
  return sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: offset - 1 });
}
