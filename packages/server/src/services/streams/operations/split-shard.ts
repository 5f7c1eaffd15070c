import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { beginUpdate, checkAccountShardLimit, findShardsToReshard } from '../reshard-requests.js';

/**
 * SplitShard closes a shard and opens two children that divide its hash range at
 * NewStartingHashKey, when the update completes. AWS requires the key to be greater than one plus
 * the shard's StartingHashKey and less than its EndingHashKey, so each child holds two keys or more.
 */
export const splitShard: Operation = async (context, input) => {
  const account = context.config.accountId;
  const {
    stream,
    shards: [shard],
  } = findShardsToReshard(context, input, [input.ShardToSplit as string]);
  if (!shard) throw new Error('findShardsToReshard answers one shard per id');
  checkAccountShardLimit(context, 1);
  const keyText = input.NewStartingHashKey as string;
  const key = BigInt(keyText);
  if (key <= BigInt(shard.startingHashKey) + 1n || key >= BigInt(shard.endingHashKey)) {
    throw streamErrors.splitKeyOutOfRange(
      keyText,
      shard.shardId,
      stream.name,
      account,
      shard.startingHashKey,
      shard.endingHashKey,
    );
  }
  await beginUpdate(context, stream, {
    reshard: { kind: 'split', shardIndex: shard.index, newStartingHashKey: key.toString() },
  });
  return {};
};
