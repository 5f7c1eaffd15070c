import { findWritableStream, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { checkRecordSize, recordHashKey, recordSizeBytes, shardFor } from '../routing.js';
import { decodeSequence, sequenceString } from '../sequence-number.js';
import { meterAppend, withStreamWrites } from '../stream-writes.js';

export const putRecord: Operation = async (context, input) => {
  const found = findWritableStream(context, input);
  const partitionKey = input.PartitionKey as string;
  const data = input.Data as Buffer;
  const hashKey = recordHashKey(partitionKey, input.ExplicitHashKey as string | undefined);
  const ordering = input.SequenceNumberForOrdering as string | undefined;
  if (ordering !== undefined && decodeSequence(ordering) === undefined) {
    throw streamErrors.invalidSequenceForOrdering(ordering, found.name, context.config.accountId);
  }
  checkRecordSize(context, found, data, partitionKey);
  const sizeBytes = recordSizeBytes(data, partitionKey);
  return withStreamWrites(context, found, async (stream) => {
    const shard = shardFor(stream, hashKey);
    if (!context.throughput.admitWrite(stream.key, shard.index, sizeBytes)) {
      throw streamErrors.throughputExceeded(shard.shardId, stream.name, context.config.accountId);
    }
    // Offsets within a shard only grow, so every sequence number already exceeds any
    // SequenceNumberForOrdering the client got from an earlier put to the same shard.
    const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
    // Sealed under the stream's newest data key while encryption is on (KMS errors stop the call).
    const { firstOffset } = await log.append(
      [{ partitionKey, hashKey, data }],
      context.encryption.appendOptions(stream),
    );
    meterAppend(context, stream, shard, [{ hashKey, sizeBytes }]);
    return {
      ShardId: shard.shardId,
      SequenceNumber: sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: firstOffset }),
      EncryptionType: stream.encryptionType,
    };
  });
};
