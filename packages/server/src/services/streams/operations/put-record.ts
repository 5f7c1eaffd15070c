import { findWritableStream, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { checkRecordSize, recordHashKey, shardFor } from '../routing.js';
import { decodeSequence, sequenceString } from '../sequence-number.js';

export const putRecord: Operation = async (context, input) => {
  const stream = findWritableStream(context, input);
  const partitionKey = input.PartitionKey as string;
  const data = input.Data as Buffer;
  const hashKey = recordHashKey(partitionKey, input.ExplicitHashKey as string | undefined);
  const ordering = input.SequenceNumberForOrdering as string | undefined;
  if (ordering !== undefined && decodeSequence(ordering) === undefined) {
    throw streamErrors.invalidSequenceForOrdering(ordering, stream.name, context.config.accountId);
  }
  checkRecordSize(context, stream, data, partitionKey);
  const shard = shardFor(stream, hashKey);
  // Offsets within a shard only grow, so every sequence number already exceeds any
  // SequenceNumberForOrdering the client got from an earlier put to the same shard.
  const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
  const { firstOffset } = await log.append([{ partitionKey, hashKey, data }]);
  return {
    ShardId: shard.shardId,
    SequenceNumber: sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: firstOffset }),
    EncryptionType: stream.encryptionType,
  };
};
