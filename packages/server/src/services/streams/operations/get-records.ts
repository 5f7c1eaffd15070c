import { withJsonWriter } from '../../../protocol/codec.js';
import {
  type GetRecordsRecordSource,
  type GetRecordsWireRecord,
  sourceJsonBody,
} from '../../../protocol/get-records-json.js';
import type { LogRecord } from '../../../storage/ports.js';
import type { Operation } from '../context.js';
import { childShards } from '../describe.js';
import { streamErrors } from '../errors.js';
import { openIterator, sealIterator } from '../iterator-token.js';
import { sequenceFormatter, sequenceString } from '../sequence-number.js';
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
  // Authorization checks the StreamARN the caller names; an iterator of another stream must not
  // slip past it, so the two have to agree.
  const namedArn = input.StreamARN as string | undefined;
  if (namedArn !== undefined && namedArn !== stream.arn) {
    throw streamErrors.invalidArgument(`StreamARN ${namedArn} does not match the stream of the ShardIterator.`);
  }
  if (!context.throughput.admitRead(stream.key, shard.index)) {
    throw streamErrors.throughputExceeded(shardId, stream.name, account);
  }
  const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
  // An iterator outlives a delete-and-recreate of its stream's name: AWS then reads the new shard
  // of the same id from its start, since every new record's sequence number is greater than the
  // old iterator's position (kinesalite's recording of GetRecords against AWS).
  const recreated = stream.createdMs !== position.streamCreatedMs;
  const fromOffset = recreated ? log.startOffset() : position.offset;
  // Sealed batches open with the stream's data keys; plain ones (from before encryption) need none.
  const { records, nextOffset, release, releaseBefore } = await log
    .read(
      fromOffset,
      { recordCountMax: (input.Limit as number | undefined) ?? getRecordsCountDefault, bytesMax: getRecordsBytesMax },
      context.encryption.readOptions(stream),
    )
    // A batch that fails its checksum is refused, never served (see refuseCorruptRecords).
    .catch(refuseCorruptRecords({ streamName: stream.name, shard, account, offset: fromOffset }));
  const readBytes = records.reduce(
    (sum, record) => sum + record.data.length + Buffer.byteLength(record.partitionKey),
    0,
  );
  context.throughput.chargeRead(stream.key, shard.index, readBytes);
  const endOffset = log.endOffset();
  const last = records.at(-1);
  const millisBehindLatest =
    nextOffset >= endOffset || !last ? 0 : Math.max(0, (log.lastArrivalMs() ?? now) - last.arrivalMs);
  // A closed shard's log is final (resharding closes it only after its last append landed): once
  // read to the end, the iterator ends and the answer names the children to continue with.
  const closedAndDrained = shard.endingSequenceNumber !== undefined && nextOffset >= endOffset;
  const sequenceOf = sequenceFormatter(shard.epochMs, shard.index);
  const recordAt = (index: number) => records[index] as LogRecord;
  // Per record: what was stored sealed says KMS, whatever the stream does now.
  const encryptionTypeOf = (record: LogRecord) => (record.encrypted === true ? 'KMS' : undefined);
  const members = [
    [
      'NextShardIterator',
      closedAndDrained
        ? undefined
        : sealIterator(context.secretKey, {
            ...position,
            streamCreatedMs: stream.createdMs,
            offset: nextOffset,
            issuedMs: now,
          }),
    ],
    ['MillisBehindLatest', millisBehindLatest],
    ['ChildShards', closedAndDrained ? childShards(stream, shard) : undefined],
  ] as const;
  let answered = false;
  let wireRecords: GetRecordsWireRecord[] | undefined;
  // Records first, built only when asked for (CBOR, in-process callers): the JSON writer reads
  // the log's records directly, without a wire object, Date and string per record.
  const output: Record<string, unknown> = {};
  Object.defineProperty(output, 'Records', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (answered) throw new Error('the records of a GetRecords answer written as JSON were released');
      wireRecords ??= records.map(
        (record): GetRecordsWireRecord => ({
          SequenceNumber: sequenceOf(record.offset),
          ApproximateArrivalTimestamp: new Date(record.arrivalMs),
          Data: record.data,
          PartitionKey: record.partitionKey,
          EncryptionType: encryptionTypeOf(record),
        }),
      );
      return wireRecords;
    },
  });
  for (const [member, value] of members) output[member] = value;
  const source: GetRecordsRecordSource = {
    count: records.length,
    // sequenceFormatter writes digits only: no escape check per record.
    plainSequenceNumbers: true,
    sequenceNumber: (index) => sequenceOf(recordAt(index).offset),
    arrivalMs: (index) => recordAt(index).arrivalMs,
    data: (index) => recordAt(index).data,
    partitionKey: (index) => recordAt(index).partitionKey,
    encryptionType: (index) => encryptionTypeOf(recordAt(index)),
  };
  // JSON answers are written by protocol/get-records-json.ts, in pieces when large (as the socket
  // takes them); the engine may reuse the read chunks of the records copied into the answer so
  // far, and all of them once every record is.
  return withJsonWriter(output, () => {
    if (answered) throw new Error('a GetRecords answer is written once: its records are released after it');
    answered = true;
    return sourceJsonBody(
      source,
      members,
      () => release?.(),
      (written) => releaseBefore?.(written),
    );
  });
};

/**
 * Storage corruption: the log refuses a batch whose checksum fails (CorruptLogError, recognised by
 * name because services see storage only through its ports). GetRecords then answers 500
 * InternalFailureException naming the damaged sequence range, so a consumer can choose to skip it
 * with AT_SEQUENCE_NUMBER, and logs the segment file and byte range for the operator
 * (`tributary verify` finds the same). Other errors pass through unchanged. See docs/errors.md.
 */
function refuseCorruptRecords(read: {
  streamName: string;
  shard: { index: number; epochMs: number; shardId: string };
  account: string;
  offset: number;
}): (error: unknown) => never {
  return (error) => {
    const corrupt = error instanceof Error && error.name === 'CorruptLogError' && 'details' in error;
    if (!corrupt) throw error;
    const details = error.details as { firstOffset?: number; recordCount?: number };
    console.error(
      `tributary: GetRecords refused corrupt records of ${read.streamName}/${read.shard.shardId}:`,
      error.message,
    );
    const offset = details.firstOffset ?? read.offset;
    const first = sequenceString({ shardEpochMs: read.shard.epochMs, shardIndex: read.shard.index, offset });
    throw streamErrors.corruptRecords(read.shard.shardId, read.streamName, read.account, first, details.recordCount);
  };
}
