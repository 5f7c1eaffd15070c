/**
 * Test support for the consumer: a processor that logs every record it processes (in processing
 * order, across shards and workers of one process), bounded waits on conditions, and writers that
 * remember where Kinesis put each record.
 */
import assert from 'node:assert/strict';
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { ConsumerEvent, ConsumerRecord, RecordProcessor } from '../consumer/types.js';

/** How long a test waits for a condition by default before it fails. */
export const conditionWaitMsDefault = 30_000;
const conditionPollMs = 10;

/** Waits (bounded) until `condition()` holds; fails with `what` and `detail()` otherwise. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  options: { timeoutMs?: number; detail?: () => string } = {},
): Promise<number> {
  const startMs = Date.now();
  const timeoutMs = options.timeoutMs ?? conditionWaitMsDefault;
  while (!(await condition())) {
    if (Date.now() - startMs > timeoutMs) {
      assert.fail(
        `timed out after ${timeoutMs} ms waiting for ${what}${options.detail ? `: ${options.detail()}` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, conditionPollMs));
  }
  return Date.now() - startMs;
}

export interface ProcessedRecord {
  readonly workerId: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly partitionKey: string;
  readonly data: string;
  readonly aggregated: boolean;
}

export interface LoggingProcessorOptions {
  /** Called after each record is logged (e.g. to checkpoint at chosen records). */
  readonly afterRecord?: (
    record: ConsumerRecord,
    checkpoint: (record: ConsumerRecord) => Promise<void>,
  ) => Promise<void>;
  /** Checkpoint SHARD_END in shardEnded (default true). */
  readonly checkpointAtShardEnd?: boolean;
}

/** Every record processed and every consumer event, in the order they happened in this process. */
export class ProcessingLog {
  readonly records: ProcessedRecord[] = [];
  readonly events: Array<ConsumerEvent & { readonly workerId: string }> = [];

  /** A processor factory for `Consumer.processor`. */
  processor(workerId: string, options: LoggingProcessorOptions = {}): (shardId: string) => RecordProcessor {
    return () => ({
      processRecords: async ({ records, checkpointer }) => {
        for (const record of records) {
          this.records.push({
            workerId,
            shardId: record.shardId,
            sequenceNumber: record.sequenceNumber,
            subSequenceNumber: record.subSequenceNumber,
            partitionKey: record.partitionKey,
            data: Buffer.from(record.data).toString('utf8'),
            aggregated: record.aggregated,
          });
          await options.afterRecord?.(record, (at) =>
            checkpointer.checkpoint({ sequenceNumber: at.sequenceNumber, subSequenceNumber: at.subSequenceNumber }),
          );
        }
      },
      shardEnded: async ({ checkpointer }) => {
        if (options.checkpointAtShardEnd ?? true) await checkpointer.checkpoint();
      },
    });
  }

  /** An onEvent listener that logs events (and fails loudly on errors nobody expected). */
  listener(workerId: string): (event: ConsumerEvent) => void {
    return (event) => {
      this.events.push({ ...event, workerId });
    };
  }

  /** Data of every processed record, with repeats. */
  data(): string[] {
    return this.records.map((record) => record.data);
  }

  distinctData(): Set<string> {
    return new Set(this.data());
  }

  errors(): Array<ConsumerEvent & { type: 'error' }> {
    return this.events.filter(
      (event): event is ConsumerEvent & { type: 'error'; workerId: string } => event.type === 'error',
    );
  }
}

export interface WrittenRecord {
  readonly partitionKey: string;
  readonly data: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Writes records (PutRecords, 100 a call) and returns where each landed; every record must succeed. */
export async function putAll(
  client: KinesisClient,
  streamName: string,
  entries: ReadonlyArray<{ partitionKey: string; data: string | Uint8Array; explicitHashKey?: string }>,
): Promise<WrittenRecord[]> {
  const written: WrittenRecord[] = [];
  const batchSize = 100;
  for (let start = 0; start < entries.length; start += batchSize) {
    const batch = entries.slice(start, start + batchSize);
    const records: PutRecordsRequestEntry[] = batch.map((entry) => ({
      PartitionKey: entry.partitionKey,
      Data: typeof entry.data === 'string' ? Buffer.from(entry.data) : entry.data,
      ...(entry.explicitHashKey === undefined ? {} : { ExplicitHashKey: entry.explicitHashKey }),
    }));
    const answer = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
    assert.equal(answer.FailedRecordCount ?? 0, 0, 'every record is written');
    batch.forEach((entry, index) => {
      const result = answer.Records?.[index];
      written.push({
        partitionKey: entry.partitionKey,
        data: typeof entry.data === 'string' ? entry.data : Buffer.from(entry.data).toString('utf8'),
        shardId: result?.ShardId ?? '',
        sequenceNumber: result?.SequenceNumber ?? '',
      });
    });
  }
  return written;
}

/** `count` records `${prefix}-${index}` over `keyCount` partition keys. */
export function numberedRecords(
  prefix: string,
  count: number,
  keyCount: number,
): Array<{ partitionKey: string; data: string }> {
  return Array.from({ length: count }, (_, index) => ({
    partitionKey: `key-${index % keyCount}`,
    data: `${prefix}-${index}`,
  }));
}

/** Fails unless, for every shard, the records were processed in strictly increasing (sequence, sub-sequence) order. */
export function assertOrderedPerShard(records: readonly ProcessedRecord[]): void {
  const last = new Map<string, ProcessedRecord>();
  for (const record of records) {
    const previous = last.get(record.shardId);
    if (previous !== undefined) {
      const a = BigInt(previous.sequenceNumber);
      const b = BigInt(record.sequenceNumber);
      assert.ok(
        a < b || (a === b && previous.subSequenceNumber < record.subSequenceNumber),
        `${record.shardId}: ${record.sequenceNumber}/${record.subSequenceNumber} came after ${previous.sequenceNumber}/${previous.subSequenceNumber}`,
      );
    }
    last.set(record.shardId, record);
  }
}

/**
 * Fails unless, for every key, the first processing of each record happened in write order: at
 * least once, and in order, even if earlier records were processed again after a lease moved.
 */
export function assertKeyOrder(
  processed: readonly string[],
  writtenPerKey: ReadonlyMap<string, readonly string[]>,
  keyOf: (data: string) => string,
): void {
  const firstSeen = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const data of processed) {
    if (seen.has(data)) continue;
    seen.add(data);
    const key = keyOf(data);
    const list = firstSeen.get(key) ?? [];
    list.push(data);
    firstSeen.set(key, list);
  }
  for (const [key, written] of writtenPerKey) {
    assert.deepEqual(
      firstSeen.get(key) ?? [],
      [...written],
      `records of ${key} were first processed in write order, none missing`,
    );
  }
}

/** The data written per partition key, in write order. */
export function writtenPerKey(written: ReadonlyArray<{ partitionKey: string; data: string }>): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const record of written)
    result.set(record.partitionKey, [...(result.get(record.partitionKey) ?? []), record.data]);
  return result;
}

/** Maps a written record's data back to its partition key. */
export function keyOfWritten(written: ReadonlyArray<{ partitionKey: string; data: string }>): (data: string) => string {
  const keys = new Map(written.map((record) => [record.data, record.partitionKey]));
  return (data) => keys.get(data) ?? '';
}
