/**
 * Packs user records into KPL aggregates with exact, incremental size accounting: `add` computes
 * what the record would add to the encoded aggregate (table entries it introduces, its Record
 * message) without re-encoding anything, so filling a 1 MiB aggregate costs O(records).
 */
import { effectiveHashKey } from './hash-key.js';
import {
  type AggregateLayout,
  encodeLayout,
  type KinesisRecordPayload,
  kplOverheadBytes,
  layoutOf,
  recordMessageSizeBytes,
  type UserRecord,
} from './kpl-format.js';
import { lengthDelimitedFieldSizeBytes, utf8SizeBytes } from './protobuf.js';

/**
 * The most a Kinesis record may weigh: data plus partition key, 1 MiB (PutRecords: "Each record in
 * the request can be as large as 1 MiB, up to a limit of 5 MiB for the entire request, including
 * partition keys").
 */
export const kinesisRecordSizeBytesMax = 1_048_576;

/** A Kinesis record produced by `Aggregator.take()` or `encodeAggregate`. */
export interface AggregateRecord extends KinesisRecordPayload {
  /** False when it holds one user record sent as-is (KPL does not wrap a lone record). */
  readonly aggregated: boolean;
  /** The user records inside, in order: the sub-sequence number of each is its index. */
  readonly userRecords: readonly UserRecord[];
}

export interface AggregatorOptions {
  /** Most bytes of the aggregate Kinesis record, data plus outer partition key. Default 1 MiB. */
  readonly maxBytes?: number;
}

/** The size a Kinesis record counts against the 1 MiB limit: data plus UTF-8 partition key. */
export function kinesisRecordSizeBytes(record: KinesisRecordPayload): number {
  return record.data.length + utf8SizeBytes(record.partitionKey);
}

/**
 * Encodes user records as one aggregate. Its partition key is the first record's, and its explicit
 * hash key the first record's effective hash key, so it lands on the first record's shard (as KPL).
 */
export function encodeAggregate(records: readonly UserRecord[]): {
  partitionKey: string;
  explicitHashKey?: string;
  data: Uint8Array;
} {
  const first = records[0];
  if (first === undefined) throw new RangeError('encodeAggregate needs at least one record');
  return {
    partitionKey: first.partitionKey,
    explicitHashKey: effectiveHashKey(first).toString(),
    data: encodeLayout(layoutOf(records)),
  };
}

interface Entry {
  readonly partitionKeyIndex: number;
  readonly explicitHashKeyIndex: number | undefined;
  readonly data: Uint8Array;
}

export class Aggregator {
  readonly maxBytes: number;
  #records: UserRecord[] = [];
  #entries: Entry[] = [];
  #partitionKeyIndexes = new Map<string, number>();
  #explicitHashKeyIndexes = new Map<string, number>();
  #messageSizeBytes = 0;
  #outerPartitionKeySizeBytes = 0;
  #firstHashKey = '';

  constructor(options: AggregatorOptions = {}) {
    this.maxBytes = options.maxBytes ?? kinesisRecordSizeBytesMax;
    if (
      !Number.isSafeInteger(this.maxBytes) ||
      this.maxBytes <= kplOverheadBytes ||
      this.maxBytes > kinesisRecordSizeBytesMax
    )
      throw new RangeError(`Aggregator maxBytes must be in (${kplOverheadBytes}, ${kinesisRecordSizeBytesMax}]`);
  }

  /** User records held. */
  get count(): number {
    return this.#records.length;
  }

  /** The size the aggregate would count against the record limit (data + outer partition key). */
  get sizeBytes(): number {
    return this.count === 0 ? 0 : kplOverheadBytes + this.#messageSizeBytes + this.#outerPartitionKeySizeBytes;
  }

  /** The size the aggregate would have with `record` added, or undefined when it would not fit. */
  sizeBytesWith(record: UserRecord): number | undefined {
    return this.#plan(record)?.sizeBytes;
  }

  /**
   * Adds a record; false (and nothing changes) when the aggregate would exceed `maxBytes`. On an
   * empty aggregator, false means the record is too big to aggregate at all: send it alone.
   * Throws `InvalidHashKeyError` for a malformed explicit hash key.
   */
  add(record: UserRecord): boolean {
    const plan = this.#plan(record);
    if (plan === undefined) return false;
    if (this.count === 0) {
      this.#outerPartitionKeySizeBytes = plan.partitionKeySizeBytes;
      this.#firstHashKey = effectiveHashKey(record).toString();
    } else if (record.explicitHashKey !== undefined) {
      effectiveHashKey(record); // validates
    }
    if (plan.newPartitionKey) this.#partitionKeyIndexes.set(record.partitionKey, plan.partitionKeyIndex);
    if (plan.newExplicitHashKey && record.explicitHashKey !== undefined)
      this.#explicitHashKeyIndexes.set(record.explicitHashKey, plan.explicitHashKeyIndex as number);
    this.#messageSizeBytes = plan.messageSizeBytes;
    this.#records.push(record);
    this.#entries.push({
      partitionKeyIndex: plan.partitionKeyIndex,
      explicitHashKeyIndex: plan.explicitHashKeyIndex,
      data: record.data,
    });
    return true;
  }

  /** The Kinesis record for everything added so far (and empties the aggregator), or undefined. */
  take(): AggregateRecord | undefined {
    const records = this.#records;
    const first = records[0];
    if (first === undefined) return undefined;
    let result: AggregateRecord;
    if (records.length === 1) {
      result = { ...plainPayload(first), aggregated: false, userRecords: records };
    } else {
      const layout: AggregateLayout = {
        partitionKeys: [...this.#partitionKeyIndexes.keys()],
        explicitHashKeys: [...this.#explicitHashKeyIndexes.keys()],
        records: this.#entries,
        messageSizeBytes: this.#messageSizeBytes,
      };
      result = {
        partitionKey: first.partitionKey,
        explicitHashKey: this.#firstHashKey,
        data: encodeLayout(layout),
        aggregated: true,
        userRecords: records,
      };
    }
    this.#reset();
    return result;
  }

  #reset(): void {
    this.#records = [];
    this.#entries = [];
    this.#partitionKeyIndexes = new Map();
    this.#explicitHashKeyIndexes = new Map();
    this.#messageSizeBytes = 0;
    this.#outerPartitionKeySizeBytes = 0;
    this.#firstHashKey = '';
  }

  #plan(record: UserRecord) {
    let messageSizeBytes = this.#messageSizeBytes;
    const knownPartitionKeyIndex = this.#partitionKeyIndexes.get(record.partitionKey);
    const partitionKeyIndex = knownPartitionKeyIndex ?? this.#partitionKeyIndexes.size;
    const partitionKeySizeBytes = utf8SizeBytes(record.partitionKey);
    if (knownPartitionKeyIndex === undefined) messageSizeBytes += lengthDelimitedFieldSizeBytes(partitionKeySizeBytes);
    let explicitHashKeyIndex: number | undefined;
    let newExplicitHashKey = false;
    if (record.explicitHashKey !== undefined) {
      explicitHashKeyIndex = this.#explicitHashKeyIndexes.get(record.explicitHashKey);
      if (explicitHashKeyIndex === undefined) {
        newExplicitHashKey = true;
        explicitHashKeyIndex = this.#explicitHashKeyIndexes.size;
        messageSizeBytes += lengthDelimitedFieldSizeBytes(utf8SizeBytes(record.explicitHashKey));
      }
    }
    messageSizeBytes += lengthDelimitedFieldSizeBytes(
      recordMessageSizeBytes(partitionKeyIndex, explicitHashKeyIndex, record.data.length),
    );
    const outer = this.count === 0 ? partitionKeySizeBytes : this.#outerPartitionKeySizeBytes;
    const sizeBytes = kplOverheadBytes + messageSizeBytes + outer;
    if (sizeBytes > this.maxBytes) return undefined;
    return {
      sizeBytes,
      messageSizeBytes,
      partitionKeyIndex,
      partitionKeySizeBytes,
      newPartitionKey: knownPartitionKeyIndex === undefined,
      explicitHashKeyIndex,
      newExplicitHashKey,
    };
  }
}

function plainPayload(record: UserRecord): KinesisRecordPayload {
  return record.explicitHashKey === undefined
    ? { partitionKey: record.partitionKey, data: record.data }
    : { partitionKey: record.partitionKey, explicitHashKey: record.explicitHashKey, data: record.data };
}
