import type { AppendRecord } from '../../../storage/ports.js';
import { findWritableStream, type Operation } from '../context.js';
import { checkRecordSize, recordHashKey, shardFor } from '../routing.js';
import { sequenceString } from '../sequence-number.js';
import type { ShardState } from '../state.js';

interface Entry {
  PartitionKey: string;
  Data: Buffer;
  ExplicitHashKey?: string;
}

/** Records bound for one shard, in request order, with their positions in the request. */
interface ShardBatch {
  shard: ShardState;
  records: AppendRecord[];
  requestIndexes: number[];
}

export const putRecords: Operation = async (context, input) => {
  const stream = findWritableStream(context, input);
  const entries = input.Records as Entry[];
  const batches = new Map<number, ShardBatch>();
  entries.forEach((entry, requestIndex) => {
    const hashKey = recordHashKey(entry.PartitionKey, entry.ExplicitHashKey);
    checkRecordSize(context, stream, entry.Data, entry.PartitionKey);
    const shard = shardFor(stream, hashKey);
    let batch = batches.get(shard.index);
    if (!batch) {
      batch = { shard, records: [], requestIndexes: [] };
      batches.set(shard.index, batch);
    }
    batch.records.push({ partitionKey: entry.PartitionKey, hashKey, data: entry.Data });
    batch.requestIndexes.push(requestIndex);
  });

  const results: Array<Record<string, unknown>> = new Array(entries.length);
  let failedCount = 0;
  await Promise.all(
    [...batches.values()].map(async ({ shard, records, requestIndexes }) => {
      try {
        const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
        const { firstOffset } = await log.append(records);
        requestIndexes.forEach((requestIndex, position) => {
          results[requestIndex] = {
            SequenceNumber: sequenceString({
              shardEpochMs: shard.epochMs,
              shardIndex: shard.index,
              offset: firstOffset + position,
            }),
            ShardId: shard.shardId,
          };
        });
      } catch (error) {
        // A storage failure fails only this shard's records, as AWS reports per-record errors.
        console.error(`tributary: append to ${stream.name}/${shard.shardId} failed`, error);
        for (const requestIndex of requestIndexes) {
          failedCount++;
          results[requestIndex] = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
        }
      }
    }),
  );
  return { FailedRecordCount: failedCount, Records: results, EncryptionType: stream.encryptionType };
};
