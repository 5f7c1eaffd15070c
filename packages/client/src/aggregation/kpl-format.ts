/**
 * The KPL aggregated record format (awslabs/amazon-kinesis-producer, aggregation-format.md; read by
 * KCL's AggregatorUtil): many user records packed into the data of one Kinesis record.
 *
 *   data = magic F3 89 9A C2 | protobuf AggregatedRecord | MD5(protobuf bytes), 16 bytes
 *
 *   message AggregatedRecord { repeated string partition_key_table = 1;
 *                              repeated string explicit_hash_key_table = 2;
 *                              repeated Record records = 3; }
 *   message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                    required bytes data = 3; repeated Tag tags = 4; }
 *   message Tag { required string key = 1; optional string value = 2; }
 */
import { createHash } from 'node:crypto';
import {
  lengthDelimitedFieldSizeBytes,
  ProtobufError,
  ProtobufReader,
  ProtobufWriter,
  utf8SizeBytes,
  varintSizeBytes,
  wireTypeLengthDelimited,
  wireTypeVarint,
} from './protobuf.js';

/** One record as the application sees it. */
export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
  readonly data: Uint8Array;
}

/** A user record read back from a Kinesis record, with its position inside the aggregate. */
export interface DeaggregatedRecord extends UserRecord {
  /** Index inside the aggregate; 0 for a plain record. */
  readonly subSequenceNumber: number;
  /** Whether the Kinesis record was a KPL aggregate. */
  readonly aggregated: boolean;
}

/** A Kinesis record ready for PutRecords. */
export interface KinesisRecordPayload {
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
  readonly data: Uint8Array;
}

export const kplMagic: Uint8Array = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
export const kplDigestSizeBytes = 16;
/** Magic and digest around the protobuf message. */
export const kplOverheadBytes = kplMagic.length + kplDigestSizeBytes;

const fieldPartitionKeyTable = 1;
const fieldExplicitHashKeyTable = 2;
const fieldRecords = 3;
const fieldRecordPartitionKeyIndex = 1;
const fieldRecordExplicitHashKeyIndex = 2;
const fieldRecordData = 3;

function md5(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}

function hasMagic(data: Uint8Array): boolean {
  return (
    data.length >= kplOverheadBytes &&
    data[0] === kplMagic[0] &&
    data[1] === kplMagic[1] &&
    data[2] === kplMagic[2] &&
    data[3] === kplMagic[3]
  );
}

/** Whether the data is a KPL aggregate: magic, room for the digest, and a matching MD5. */
export function isAggregated(data: Uint8Array): boolean {
  if (!hasMagic(data)) return false;
  const messageEnd = data.length - kplDigestSizeBytes;
  const digest = md5(data.subarray(kplMagic.length, messageEnd));
  return digest.equals(data.subarray(messageEnd));
}

/** The encoded size of one Record message (without its own tag and length). */
export function recordMessageSizeBytes(
  partitionKeyIndex: number,
  explicitHashKeyIndex: number | undefined,
  dataSizeBytes: number,
): number {
  return (
    1 +
    varintSizeBytes(partitionKeyIndex) +
    (explicitHashKeyIndex === undefined ? 0 : 1 + varintSizeBytes(explicitHashKeyIndex)) +
    lengthDelimitedFieldSizeBytes(dataSizeBytes)
  );
}

/** The tables and index pairs of an aggregate, computed once and shared by sizing and encoding. */
export interface AggregateLayout {
  readonly partitionKeys: readonly string[];
  readonly explicitHashKeys: readonly string[];
  readonly records: readonly {
    readonly partitionKeyIndex: number;
    readonly explicitHashKeyIndex?: number | undefined;
    readonly data: Uint8Array;
  }[];
  /** The protobuf message size. */
  readonly messageSizeBytes: number;
}

/** Writes magic | message | MD5 for a layout whose size was computed beforehand. */
export function encodeLayout(layout: AggregateLayout): Uint8Array {
  const bytes = new Uint8Array(kplOverheadBytes + layout.messageSizeBytes);
  bytes.set(kplMagic, 0);
  const writer = new ProtobufWriter(bytes, kplMagic.length);
  for (const key of layout.partitionKeys) writer.stringField(fieldPartitionKeyTable, key);
  for (const key of layout.explicitHashKeys) writer.stringField(fieldExplicitHashKeyTable, key);
  for (const record of layout.records) {
    writer.tag(fieldRecords, wireTypeLengthDelimited);
    writer.varint(recordMessageSizeBytes(record.partitionKeyIndex, record.explicitHashKeyIndex, record.data.length));
    writer.varintField(fieldRecordPartitionKeyIndex, record.partitionKeyIndex);
    if (record.explicitHashKeyIndex !== undefined)
      writer.varintField(fieldRecordExplicitHashKeyIndex, record.explicitHashKeyIndex);
    writer.bytesField(fieldRecordData, record.data);
  }
  const messageEnd = writer.offset;
  if (messageEnd !== kplMagic.length + layout.messageSizeBytes) throw new Error('aggregate size accounting is off');
  bytes.set(md5(bytes.subarray(kplMagic.length, messageEnd)), messageEnd);
  return bytes;
}

/** Builds the layout of a list of user records (tables deduplicated, in first-use order). */
export function layoutOf(records: readonly UserRecord[]): AggregateLayout {
  const partitionKeyIndexes = new Map<string, number>();
  const explicitHashKeyIndexes = new Map<string, number>();
  let messageSizeBytes = 0;
  const entries = records.map((record) => {
    let partitionKeyIndex = partitionKeyIndexes.get(record.partitionKey);
    if (partitionKeyIndex === undefined) {
      partitionKeyIndex = partitionKeyIndexes.size;
      partitionKeyIndexes.set(record.partitionKey, partitionKeyIndex);
      messageSizeBytes += lengthDelimitedFieldSizeBytes(utf8SizeBytes(record.partitionKey));
    }
    let explicitHashKeyIndex: number | undefined;
    if (record.explicitHashKey !== undefined) {
      explicitHashKeyIndex = explicitHashKeyIndexes.get(record.explicitHashKey);
      if (explicitHashKeyIndex === undefined) {
        explicitHashKeyIndex = explicitHashKeyIndexes.size;
        explicitHashKeyIndexes.set(record.explicitHashKey, explicitHashKeyIndex);
        messageSizeBytes += lengthDelimitedFieldSizeBytes(utf8SizeBytes(record.explicitHashKey));
      }
    }
    messageSizeBytes += lengthDelimitedFieldSizeBytes(
      recordMessageSizeBytes(partitionKeyIndex, explicitHashKeyIndex, record.data.length),
    );
    return { partitionKeyIndex, explicitHashKeyIndex, data: record.data };
  });
  return {
    partitionKeys: [...partitionKeyIndexes.keys()],
    explicitHashKeys: [...explicitHashKeyIndexes.keys()],
    records: entries,
    messageSizeBytes,
  };
}

interface DecodedRecord {
  partitionKeyIndex: number | undefined;
  explicitHashKeyIndex: number | undefined;
  data: Uint8Array | undefined;
}

function decodeRecord(bytes: Uint8Array): DecodedRecord {
  const reader = new ProtobufReader(bytes);
  const record: DecodedRecord = { partitionKeyIndex: undefined, explicitHashKeyIndex: undefined, data: undefined };
  for (let header = reader.fieldHeader(); header !== undefined; header = reader.fieldHeader()) {
    const known =
      header.fieldNumber === fieldRecordPartitionKeyIndex ||
      header.fieldNumber === fieldRecordExplicitHashKeyIndex ||
      header.fieldNumber === fieldRecordData;
    if (!known) {
      reader.skip(header); // tags (4) and anything newer
      continue;
    }
    const expected = header.fieldNumber === fieldRecordData ? wireTypeLengthDelimited : wireTypeVarint;
    if (header.wireType !== expected)
      throw new ProtobufError(`field ${header.fieldNumber} has wire type ${header.wireType}`);
    if (header.fieldNumber === fieldRecordPartitionKeyIndex) record.partitionKeyIndex = reader.varint();
    else if (header.fieldNumber === fieldRecordExplicitHashKeyIndex) record.explicitHashKeyIndex = reader.varint();
    else record.data = reader.lengthDelimited();
  }
  return record;
}

/** Decodes the protobuf message of an aggregate; throws `ProtobufError` on anything malformed. */
export function decodeAggregatedRecord(message: Uint8Array): UserRecord[] {
  const reader = new ProtobufReader(message);
  const partitionKeys: string[] = [];
  const explicitHashKeys: string[] = [];
  const records: DecodedRecord[] = [];
  for (let header = reader.fieldHeader(); header !== undefined; header = reader.fieldHeader()) {
    const known =
      header.fieldNumber === fieldPartitionKeyTable ||
      header.fieldNumber === fieldExplicitHashKeyTable ||
      header.fieldNumber === fieldRecords;
    if (!known) {
      reader.skip(header);
      continue;
    }
    if (header.wireType !== wireTypeLengthDelimited)
      throw new ProtobufError(`field ${header.fieldNumber} has wire type ${header.wireType}`);
    if (header.fieldNumber === fieldPartitionKeyTable) partitionKeys.push(reader.string());
    else if (header.fieldNumber === fieldExplicitHashKeyTable) explicitHashKeys.push(reader.string());
    else records.push(decodeRecord(reader.lengthDelimited()));
  }
  return records.map((record, index) => {
    if (record.partitionKeyIndex === undefined || record.data === undefined)
      throw new ProtobufError(`record ${index} lacks a required field`);
    const partitionKey = partitionKeys[record.partitionKeyIndex];
    if (partitionKey === undefined) throw new ProtobufError(`record ${index}: partition key index out of range`);
    if (record.explicitHashKeyIndex === undefined) return { partitionKey, data: record.data };
    const explicitHashKey = explicitHashKeys[record.explicitHashKeyIndex];
    if (explicitHashKey === undefined) throw new ProtobufError(`record ${index}: explicit hash key index out of range`);
    return { partitionKey, explicitHashKey, data: record.data };
  });
}

/**
 * The user records inside one Kinesis record. Data that is not a valid aggregate (no magic, too
 * short, MD5 mismatch, malformed protobuf) is one ordinary record, as KCL treats it. The data of
 * each user record is a view into `data`, not a copy.
 */
export function deaggregate(data: Uint8Array, partitionKey: string, explicitHashKey?: string): DeaggregatedRecord[] {
  if (isAggregated(data)) {
    try {
      const message = data.subarray(kplMagic.length, data.length - kplDigestSizeBytes);
      return decodeAggregatedRecord(message).map((record, subSequenceNumber) => ({
        ...record,
        subSequenceNumber,
        aggregated: true,
      }));
    } catch (error) {
      if (!(error instanceof ProtobufError)) throw error;
    }
  }
  const plain = { partitionKey, data, subSequenceNumber: 0, aggregated: false };
  return [explicitHashKey === undefined ? plain : { ...plain, explicitHashKey }];
}
