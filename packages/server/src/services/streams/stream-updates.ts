/**
 * Applying stream updates: the shard-map change of SplitShard, MergeShards and UpdateShardCount
 * and the capacity-mode change of UpdateStreamMode when their UPDATING transition ends (AWS makes
 * the new shards visible when the stream is ACTIVE again), and the on-demand scaler's changes.
 *
 * Every shard-map change runs inside the stream's fence (shard-map-fence.ts): appends routed to a
 * parent have landed before the parent's end offset is read, the children's logs exist before
 * anything can be routed to them, and the new map is durable before any writer uses it.
 */
import type { StreamsContext } from './context.js';
import { applyReshard, type ReshardResult } from './reshard.js';
import { isOpen, type ReshardPlan, type StreamState } from './state.js';

/** Completes the stream's UPDATING → ACTIVE transition (the registry's completeUpdate hook). */
export async function completeUpdate(context: StreamsContext, stream: StreamState): Promise<void> {
  const pending = stream.pending;
  if (!pending) return;
  await context.fence.change(stream.key, async () => {
    // A DeleteStream may have replaced the transition while this waited for the fence.
    if (context.registry.find(stream.name) !== stream || stream.pending !== pending) return;
    const result = pending.reshard ? await prepareReshard(context, stream, pending.reshard) : undefined;
    const mode = pending.streamMode ?? stream.mode;
    await context.registry.commit(stream, (draft) => {
      if (result) draft.shards = result.shards;
      draft.mode = mode;
      draft.status = 'ACTIVE';
      delete draft.pending;
    });
    // Subscribers of a closed parent send ChildShards now, not at their next heartbeat.
    if (result) context.subscriptions.shardMapChanged(stream.key);
  });
}

/**
 * Applies a shard-map change at once, without an UPDATING phase (the on-demand scaler). Answers
 * undefined when the stream changed meanwhile so that the plan no longer applies.
 */
export async function reshardNow(
  context: StreamsContext,
  stream: StreamState,
  plan: ReshardPlan,
): Promise<ReshardResult | undefined> {
  return context.fence.change(stream.key, async () => {
    if (context.registry.find(stream.name) !== stream || stream.status !== 'ACTIVE') return undefined;
    if (!planApplies(stream, plan)) return undefined;
    const result = await prepareReshard(context, stream, plan);
    await context.registry.commit(stream, (draft) => {
      draft.shards = result.shards;
    });
    context.subscriptions.shardMapChanged(stream.key);
    return result;
  });
}

function planApplies(stream: StreamState, plan: ReshardPlan): boolean {
  const open = (index: number): boolean => stream.shards.some((shard) => shard.index === index && isOpen(shard));
  switch (plan.kind) {
    case 'split':
      return open(plan.shardIndex);
    case 'merge':
      return open(plan.shardIndex) && open(plan.adjacentShardIndex);
    case 'uniform':
      return true;
  }
}

/** Inside the fence: the parents' final end offsets, the new map, and the children's logs. */
async function prepareReshard(context: StreamsContext, stream: StreamState, plan: ReshardPlan): Promise<ReshardResult> {
  const endOffsets = new Map<number, number>();
  for (const shard of stream.shards.filter(isOpen)) {
    const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
    endOffsets.set(shard.index, log.endOffset());
  }
  const result = applyReshard(stream.shards, plan, {
    nowMs: context.clock(),
    endOffsetOf: (shardIndex) => endOffsets.get(shardIndex) ?? 0,
  });
  const existing = new Set(stream.shards.map((shard) => shard.index));
  const created = result.shards.filter((shard) => !existing.has(shard.index));
  await Promise.all(created.map((shard) => context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index })));
  return result;
}
