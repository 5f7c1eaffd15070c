import { findReadableShard, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { sealIterator } from '../iterator-token.js';
import { decodeSequence } from '../sequence-number.js';
import { shardIdOf } from '../state.js';

type IteratorType = 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

export const getShardIterator: Operation = async (context, input) => {
  const { stream, shard } = findReadableShard(context, input, input.ShardId as string);
  const type = input.ShardIteratorType as IteratorType;
  const sequence = input.StartingSequenceNumber as string | undefined;
  const account = context.config.accountId;
  const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
  const now = context.clock();

  let offset: number;
  if (type === 'AT_SEQUENCE_NUMBER' || type === 'AFTER_SEQUENCE_NUMBER') {
    if (sequence === undefined) throw streamErrors.iteratorTypeMismatch(type, false);
    const parts = decodeSequence(sequence);
    if (!parts) throw streamErrors.invalidStartingSequence(sequence, shard.shardId, stream.name, account);
    if (parts.shardIndex !== shard.index)
      throw streamErrors.sequenceFromOtherShard(shardIdOf(parts.shardIndex), shard.shardId);
    if (parts.shardEpochMs !== shard.epochMs) {
      throw streamErrors.sequenceFromOtherStream(sequence, shard.shardId, stream.name, account);
    }
    if (parts.offset >= log.endOffset()) {
      throw streamErrors.invalidStartingSequence(sequence, shard.shardId, stream.name, account);
    }
    offset = type === 'AT_SEQUENCE_NUMBER' ? parts.offset : parts.offset + 1;
  } else if (sequence !== undefined && type !== 'AT_TIMESTAMP') {
    throw streamErrors.iteratorTypeMismatch(type, true);
  } else if (type === 'TRIM_HORIZON') {
    offset = log.startOffset();
  } else if (type === 'LATEST') {
    offset = log.endOffset();
  } else {
    const timestampMs = input.Timestamp as number | undefined;
    if (timestampMs === undefined) throw streamErrors.timestampMissing();
    if (timestampMs > now) throw streamErrors.timestampInFuture(timestampMs, now);
    offset = await log.offsetAtOrAfter(timestampMs);
  }
  offset = Math.max(offset, log.startOffset());
  return {
    ShardIterator: sealIterator(context.secretKey, {
      streamName: stream.name,
      streamCreatedMs: stream.createdMs,
      shardIndex: shard.index,
      offset,
      issuedMs: now,
    }),
  };
};
