/**
 * From Kinesis records to the records a processor sees: KPL aggregates are opened into their user
 * records, sub-records whose hash key is outside the shard's range are dropped (after a reshard an
 * aggregate can hold records routed to the sibling shard, which that shard's processor receives —
 * KCL drops them the same way), and records up to `after` (already delivered or checkpointed) are
 * skipped.
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
    for (const user of deaggregate(record.Data ?? new Uint8Array(), partitionKey)) {
      if (
        after !== undefined &&
        compareExtended({ sequenceNumber: sequence, subSequenceNumber: user.subSequenceNumber }, after) <= 0
      ) {
        continue;
      }
      if (user.aggregated && range !== undefined && !inRange(user, range)) continue;
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
