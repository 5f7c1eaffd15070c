/**
 * What SplitShard, MergeShards, UpdateShardCount and UpdateStreamMode share: AWS's checks in
 * AWS's order (kinesalite's recordings of SplitShard and MergeShards), the per-day call quotas,
 * and moving the stream to UPDATING with the change to apply when the update completes.
 */
import {
  addressedName,
  findStreamIn,
  type OperationInput,
  openShardCount,
  resolveShardIndex,
  type StreamsContext,
} from './context.js';
import { streamErrors } from './errors.js';
import { isOpen, type PendingTransition, type ShardState, type StreamState, shardIdOf } from './state.js';

/** AWS's quotas are per "rolling 24-hour period". */
export const rollingDayMs = 24 * 3_600_000;

/**
 * The shards a SplitShard or MergeShards names, open, in an ACTIVE provisioned stream. A ShardId
 * AWS cannot resolve is refused before the stream is looked up; one that names no shard of the
 * stream is refused after, in its canonical form.
 */
export function findShardsToReshard(
  context: StreamsContext,
  input: OperationInput,
  shardIdTexts: readonly string[],
): { stream: StreamState; shards: ShardState[] } {
  const { name, account } = addressedName(context, input);
  const indexes = shardIdTexts.map((text) => {
    const index = resolveShardIndex(text);
    if (index === undefined) throw streamErrors.shardUnresolvable(text, name, account);
    return index;
  });
  const stream = findProvisionedActiveStream(context, input);
  const shards = indexes.map((index) => {
    const shard = stream.shards.find((candidate) => candidate.index === index);
    if (!shard) throw streamErrors.shardUnresolvable(shardIdOf(index), name, account);
    return shard;
  });
  for (const shard of shards) {
    if (!isOpen(shard)) throw streamErrors.shardAlreadyClosed(shard.shardId, name, account);
  }
  return { stream, shards };
}

/** AWS: SplitShard, MergeShards and UpdateShardCount are "only supported for the data streams with the provisioned capacity mode". */
export function findProvisionedActiveStream(context: StreamsContext, input: OperationInput): StreamState {
  const stream = findStreamIn(context, input, ['ACTIVE']);
  if (stream.mode === 'ON_DEMAND') throw streamErrors.streamIsOnDemand(stream.name, context.config.accountId);
  return stream;
}

/** The account shard quota (`--shard-limit`) applies to every request that adds open shards. */
export function checkAccountShardLimit(context: StreamsContext, addedShardCount: number): void {
  if (addedShardCount <= 0) return;
  const { config } = context;
  const current = openShardCount(context);
  if (current + addedShardCount > config.shardLimit) {
    throw streamErrors.shardLimit(config.accountId, config.region, current, config.shardLimit, addedShardCount);
  }
}

/** The calls within the rolling day that ends now (older ones are dropped). */
export function callsWithinDay(callsMs: readonly number[] | undefined, nowMs: number): number[] {
  return (callsMs ?? []).filter((callMs) => nowMs - callMs < rollingDayMs);
}

/**
 * Moves the stream to UPDATING until `--update-stream-ms` from now, carrying what to apply then.
 * The status changes in memory before the write, so a concurrent request already sees UPDATING.
 */
export async function beginUpdate(
  context: StreamsContext,
  stream: StreamState,
  change: Omit<PendingTransition, 'atMs' | 'to'>,
): Promise<void> {
  stream.status = 'UPDATING';
  stream.pending = { atMs: context.clock() + context.config.updateStreamMs, to: 'ACTIVE', ...change };
  await context.registry.save(stream);
}
