import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { beginUpdate, findShardsToReshard } from '../reshard-requests.js';

/**
 * MergeShards closes two shards and opens one child covering both ranges, when the update
 * completes. AWS merges only an adjacent pair in order: ShardToMerge's range must end just before
 * AdjacentShardToMerge's begins.
 */
export const mergeShards: Operation = async (context, input) => {
  const {
    stream,
    shards: [shard, adjacent],
  } = findShardsToReshard(context, input, [input.ShardToMerge as string, input.AdjacentShardToMerge as string]);
  if (!shard || !adjacent) throw new Error('findShardsToReshard answers one shard per id');
  if (BigInt(shard.endingHashKey) + 1n !== BigInt(adjacent.startingHashKey)) {
    throw streamErrors.shardsNotAdjacent(shard.shardId, adjacent.shardId, stream.name, context.config.accountId);
  }
  await beginUpdate(context, stream, {
    reshard: { kind: 'merge', shardIndex: shard.index, adjacentShardIndex: adjacent.index },
  });
  return {};
};
