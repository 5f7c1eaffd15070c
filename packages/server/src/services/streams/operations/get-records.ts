import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { openIterator, sealIterator } from '../iterator-token.js';
import { sequenceString } from '../sequence-number.js';
import { shardIdOf } from '../state.js';

/** Shard iterators expire five minutes after they were issued. */
export const iteratorLifetimeMs = 300_000;
/** GetRecords returns at most 10,000 records and 10 MiB per call. */
export const getRecordsCountDefault = 10_000;
export const getRecordsBytesMax = 10 * 1024 * 1024;

export const getRecords: Operation = async (context, input) => {
  const now = context.clock();
  const position = openIterator(context.secretKey, input.ShardIterator as string);
  if (!position) throw streamErrors.invalidIterator();
  if (now - position.issuedMs > iteratorLifetimeMs) {
    throw streamErrors.expiredIterator(position.issuedMs, now, iteratorLifetimeMs);
  }
  const account = context.config.accountId;
  const shardId = shardIdOf(position.shardIndex);
  const stream = context.registry.find(position.streamName);
  const readable = stream?.status === 'ACTIVE' || stream?.status === 'UPDATING';
  const shard = readable ? stream.shards.find((candidate) => candidate.index === position.shardIndex) : undefined;
  if (!stream || !shard) throw streamErrors.shardNotFound(shardId, position.streamName, account);
  const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
  // An iterator outlives a delete-and-recreate of its stream's name: AWS then reads the new shard
  // of the same id from its start, since every new record's sequence number is greater than the
  // old iterator's position (kinesalite's recording of GetRecords against AWS).
  const recreated = stream.createdMs !== position.streamCreatedMs;
  const fromOffset = recreated ? log.startOffset() : position.offset;
  const { records, nextOffset } = await log.read(fromOffset, {
    recordCountMax: (input.Limit as number | undefined) ?? getRecordsCountDefault,
    bytesMax: getRecordsBytesMax,
  });
  const endOffset = log.endOffset();
  const last = records.at(-1);
  const millisBehindLatest =
    nextOffset >= endOffset || !last ? 0 : Math.max(0, (log.lastArrivalMs() ?? now) - last.arrivalMs);
  const closedAndDrained = shard.endingSequenceNumber !== undefined && nextOffset >= endOffset;
  return {
    Records: records.map((record) => ({
      SequenceNumber: sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: record.offset }),
      ApproximateArrivalTimestamp: new Date(record.arrivalMs),
      Data: record.data,
      PartitionKey: record.partitionKey,
      EncryptionType: stream.encryptionType === 'NONE' ? undefined : stream.encryptionType,
    })),
    NextShardIterator: closedAndDrained
      ? undefined
      : sealIterator(context.secretKey, {
          ...position,
          streamCreatedMs: stream.createdMs,
          offset: nextOffset,
          issuedMs: now,
        }),
    MillisBehindLatest: millisBehindLatest,
  };
};
