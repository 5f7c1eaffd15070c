/**
 * From Kinesis records to the records a processor sees: KPL aggregates are opened into their user
 * records, and records up to `after` (already delivered or checkpointed) are skipped.
 *
 * An aggregate holding a sub-record whose hash key is outside the shard's range is dropped WHOLE,
 * as KCL's AggregatorUtil does: such an aggregate was routed by a stale shard map (a reshard came
 * between the producer's prediction and the put), and KPL — and our Producer — then put every
 * user record of it again, so delivering its in-range part would deliver those records twice. A
 * producer that mixes shards in one aggregate without re-sending (aws-kinesis-agg's own caution)
 * loses those records under KCL and here alike.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { deaggregate, effectiveHashKey, InvalidHashKeyError } from '../aggregation/index.js';
import { compareExtended, type ExtendedSequenceNumber } from './positions.js';
import type { ConsumerRecord } from './types.js';

export interface HashKeyRange {
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

export function toConsumerRecords(
  shardId: string,
  records: readonly _Record[],
  range: HashKeyRange | undefined,
  after: ExtendedSequenceNumber | undefined,
): ConsumerRecord[] {
  const result: ConsumerRecord[] = [];
  for (const record of records) {
    const sequenceNumber = record.SequenceNumber ?? '0';
    const sequence = BigInt(sequenceNumber);
    if (after !== undefined && sequence < after.sequenceNumber) continue;
    const partitionKey = record.PartitionKey ?? '';
    const arrival = record.ApproximateArrivalTimestamp ?? new Date(0);
    const users = deaggregate(record.Data ?? new Uint8Array(), partitionKey);
    if (range !== undefined && users.some((user) => user.aggregated && !inRange(user, range))) continue;
    for (const user of users) {
      if (
        after !== undefined &&
        compareExtended({ sequenceNumber: sequence, subSequenceNumber: user.subSequenceNumber }, after) <= 0
      ) {
        continue;
      }
      result.push({
        shardId,
        sequenceNumber,
        subSequenceNumber: user.subSequenceNumber,
        partitionKey: user.partitionKey,
        ...(user.explicitHashKey === undefined ? {} : { explicitHashKey: user.explicitHashKey }),
        data: user.data,
        approximateArrivalTimestamp: arrival,
        aggregated: user.aggregated,
      });
    }
  }
  return result;
}

function inRange(
  user: { partitionKey: string; explicitHashKey?: string | undefined; data: Uint8Array },
  range: HashKeyRange,
): boolean {
  try {
    const hashKey = effectiveHashKey(user);
    return hashKey >= range.startingHashKey && hashKey <= range.endingHashKey;
  } catch (error) {
    // A malformed explicit hash key inside an aggregate routes nowhere; deliver it rather than lose it.
    if (error instanceof InvalidHashKeyError) return true;
    throw error;
  }
}
