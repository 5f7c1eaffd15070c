/** Checks a record as Kinesis would before it is buffered, and computes its hash key and size. */
import { effectiveHashKey, InvalidHashKeyError, type UserRecord } from '../aggregation/index.js';
import { utf8SizeBytes } from '../aggregation/protobuf.js';
import { partitionKeyLengthMax, RecordValidationError } from './types.js';

/** A record as put() accepts it: data as bytes or a UTF-8 string. */
export interface ProducerRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
  readonly data: Uint8Array | string;
}

export interface ValidRecord {
  readonly record: UserRecord;
  readonly hashKey: bigint;
  /** Data plus UTF-8 partition key. */
  readonly sizeBytes: number;
}

/** Partition-key hashes remembered (about 100 bytes each); the cache starts over when full. */
const keyHashCacheSizeMax = 10_000;
const encoder = new TextEncoder();

export class RecordValidator {
  readonly #sizeBytesMax: number;
  readonly #keyHashes = new Map<string, bigint>();

  constructor(sizeBytesMax: number) {
    this.#sizeBytesMax = sizeBytesMax;
  }

  /** Throws RecordValidationError for a record Kinesis would refuse. */
  validate(input: ProducerRecord): ValidRecord {
    const { partitionKey, explicitHashKey } = input;
    // Kinesis counts the key's characters; UTF-16 units are never fewer, so this never lets a too-long key through.
    if (typeof partitionKey !== 'string' || partitionKey.length < 1 || partitionKey.length > partitionKeyLengthMax)
      throw new RecordValidationError(`partitionKey must be a string of 1 to ${partitionKeyLengthMax} characters`);
    const data = typeof input.data === 'string' ? encoder.encode(input.data) : input.data;
    if (!(data instanceof Uint8Array)) throw new RecordValidationError('data must be a Uint8Array or a string');
    const record: UserRecord =
      explicitHashKey === undefined ? { partitionKey, data } : { partitionKey, explicitHashKey, data };
    const hashKey = this.#hashKey(record);
    const sizeBytes = data.length + utf8SizeBytes(partitionKey);
    if (sizeBytes > this.#sizeBytesMax)
      throw new RecordValidationError(
        `record of ${sizeBytes} bytes (data + partition key) exceeds ${this.#sizeBytesMax}`,
      );
    return { record, hashKey, sizeBytes };
  }

  /** Keys repeat: MD5 once per key (a bounded cache), not once per record. */
  #hashKey(record: UserRecord): bigint {
    try {
      if (record.explicitHashKey !== undefined) return effectiveHashKey(record);
      let hashKey = this.#keyHashes.get(record.partitionKey);
      if (hashKey === undefined) {
        hashKey = effectiveHashKey(record);
        if (this.#keyHashes.size >= keyHashCacheSizeMax) this.#keyHashes.clear();
        this.#keyHashes.set(record.partitionKey, hashKey);
      }
      return hashKey;
    } catch (error) {
      if (error instanceof InvalidHashKeyError) throw new RecordValidationError(error.message);
      throw error;
    }
  }
}
