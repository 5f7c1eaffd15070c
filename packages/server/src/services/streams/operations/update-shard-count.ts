import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import {
  beginUpdate,
  callsWithinDay,
  checkAccountShardLimit,
  findProvisionedActiveStream,
} from '../reshard-requests.js';
import { isOpen } from '../state.js';

/**
 * AWS's UpdateShardCount quotas (API reference, "By default, you cannot do the following"):
 * "Scale more than ten times per rolling 24-hour period per stream", "Scale up to more than
 * 10000 shards in a stream", "Scale a stream with more than 10000 shards down unless the result
 * is less than 10000 shards"; and neither above double nor below half the open shard count.
 */
export const shardCountUpdatesPerDayMax = 10;
export const streamShardCountMax = 10_000;

/**
 * UpdateShardCount (UNIFORM_SCALING, the only type) reshapes the open shards into
 * TargetShardCount shards of equal width when the update completes, through splits and merges
 * that may create short-lived shards (see reshard.ts).
 */
export const updateShardCount: Operation = async (context, input) => {
  const stream = findProvisionedActiveStream(context, input);
  const current = stream.shards.filter(isOpen).length;
  const target = input.TargetShardCount as number;
  if (target > streamShardCountMax || (current > streamShardCountMax && target >= streamShardCountMax)) {
    throw streamErrors.streamShardCountLimit(streamShardCountMax, current, target);
  }
  if (target > current * 2) throw streamErrors.scaleUpOverDouble(current, target);
  if (target * 2 < current) throw streamErrors.scaleDownBelowHalf(current, target);
  const nowMs = context.clock();
  const calls = callsWithinDay(stream.shardCountUpdatesMs, nowMs);
  if (calls.length >= shardCountUpdatesPerDayMax) {
    throw streamErrors.tooManyShardCountUpdates(stream.name, context.config.accountId, shardCountUpdatesPerDayMax);
  }
  checkAccountShardLimit(context, target - current);
  stream.shardCountUpdatesMs = [...calls, nowMs];
  await beginUpdate(context, stream, { reshard: { kind: 'uniform', targetShardCount: target } });
  return { StreamName: stream.name, CurrentShardCount: current, TargetShardCount: target, StreamARN: stream.arn };
};
