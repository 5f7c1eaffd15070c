import { withJsonWriter } from '../../../protocol/codec.js';
import type { AppendRecord } from '../../../storage/ports.js';
import { findWritableStream, type Operation, type StreamsContext } from '../context.js';
import { streamErrors } from '../errors.js';
import { checkRecordSize, recordHashKey, recordSizeBytes, shardFor } from '../routing.js';
import { sequenceFormatter } from '../sequence-number.js';
import type { ShardState, StreamState } from '../state.js';
import { meterAppend, withStreamWrites } from '../stream-writes.js';

interface Entry {
  PartitionKey: string;
  Data: Buffer;
  ExplicitHashKey?: string;
}

/** A request entry with what routing and limits need, computed before any record is written. */
interface Checked {
  readonly record: AppendRecord;
  readonly sizeBytes: number;
}

/** Records bound for one shard, in request order, with their positions in the request. */
interface ShardBatch {
  shard: ShardState;
  records: AppendRecord[];
  sizesBytes: number[];
  requestIndexes: number[];
}

type ResultEntry = Record<string, unknown>;

export const putRecords: Operation = async (context, input) => {
  const found = findWritableStream(context, input);
  // Request-level errors (a bad ExplicitHashKey, an oversized record) fail the whole call first.
  const checked: Checked[] = (input.Records as Entry[]).map((entry) => {
    const hashKey = recordHashKey(entry.PartitionKey, entry.ExplicitHashKey);
    checkRecordSize(context, found, entry.Data, entry.PartitionKey);
    return {
      record: { partitionKey: entry.PartitionKey, hashKey, data: entry.Data },
      sizeBytes: recordSizeBytes(entry.Data, entry.PartitionKey),
    };
  });
  return withStreamWrites(context, found, async (stream) => {
    const results: ResultEntry[] = new Array(checked.length);
    const batches = routeAndAdmit(context, stream, checked, results);
    await Promise.all([...batches.values()].map((batch) => appendBatch(context, stream, batch, results)));
    const failedCount = results.filter((result) => result.ErrorCode !== undefined).length;
    // Only strings and numbers: JSON.stringify writes exactly what the generic path writes after
    // its toJsonWire copy (undefined members left out), without the copy of 500 result objects.
    return withJsonWriter(
      { FailedRecordCount: failedCount, Records: results, EncryptionType: stream.encryptionType },
      (output) => Buffer.from(JSON.stringify(output), 'utf8'),
    );
  });
};

/**
 * Routes each record to its open shard and asks the shard's throughput limit for it, in request
 * order; AWS fails only the records over the limit, with ProvisionedThroughputExceededException.
 */
function routeAndAdmit(
  context: StreamsContext,
  stream: StreamState,
  checked: readonly Checked[],
  results: ResultEntry[],
): Map<number, ShardBatch> {
  const batches = new Map<number, ShardBatch>();
  checked.forEach(({ record, sizeBytes }, requestIndex) => {
    const shard = shardFor(stream, record.hashKey);
    if (!context.throughput.admitWrite(stream.key, shard.index, sizeBytes)) {
      const error = streamErrors.throughputExceeded(shard.shardId, stream.name, context.config.accountId);
      results[requestIndex] = { ErrorCode: error.type, ErrorMessage: error.message };
      return;
    }
    let batch = batches.get(shard.index);
    if (!batch) {
      batch = { shard, records: [], sizesBytes: [], requestIndexes: [] };
      batches.set(shard.index, batch);
    }
    batch.records.push(record);
    batch.sizesBytes.push(sizeBytes);
    batch.requestIndexes.push(requestIndex);
  });
  return batches;
}

async function appendBatch(
  context: StreamsContext,
  stream: StreamState,
  { shard, records, sizesBytes, requestIndexes }: ShardBatch,
  results: ResultEntry[],
): Promise<void> {
  // Before the try: a KMS error (key disabled or gone) fails the whole call, as on AWS, not one record.
  const appendOptions = context.encryption.appendOptions(stream);
  try {
    const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
    const { firstOffset } = await log.append(records, appendOptions);
    const sequenceOf = sequenceFormatter(shard.epochMs, shard.index);
    requestIndexes.forEach((requestIndex, position) => {
      results[requestIndex] = {
        SequenceNumber: sequenceOf(firstOffset + position),
        ShardId: shard.shardId,
      };
    });
    const metered = records.map((record, position) => ({
      hashKey: record.hashKey,
      sizeBytes: sizesBytes[position] ?? 0,
    }));
    meterAppend(context, stream, shard, metered);
  } catch (error) {
    // A storage failure fails only this shard's records, as AWS reports per-record errors.
    console.error(`tributary: append to ${stream.name}/${shard.shardId} failed`, error);
    for (const requestIndex of requestIndexes) {
      results[requestIndex] = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
    }
  }
}
