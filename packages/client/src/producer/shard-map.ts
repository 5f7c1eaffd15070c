/**
 * The stream's shards by hash-key range, from ListShards: which open shard a hash key routes to
 * (binary search over the open shards, which tile 0 .. 2^128 - 1), and the range of every shard seen,
 * closed ones included, to check where an aggregate really landed.
 */
import { type KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';

export interface ShardRange {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

export interface StreamTarget {
  readonly streamName?: string | undefined;
  readonly streamARN?: string | undefined;
}

/** ListShards answers at most 10,000 shards a page (AWS's MaxResults bound). */
const listShardsPageSizeMax = 10_000;
/** A stream with more pages than this is not a stream but a loop (a server returning the same token). */
const listShardsPagesMax = 1_000;

export class ShardMap {
  /** Open shards ordered by starting hash key. */
  readonly open: readonly ShardRange[];
  readonly #all: ReadonlyMap<string, ShardRange>;
  readonly #openIds: ReadonlySet<string>;

  constructor(shards: readonly ShardRange[], openShardIds: ReadonlySet<string>) {
    this.#all = new Map(shards.map((shard) => [shard.shardId, shard]));
    this.#openIds = openShardIds;
    this.open = shards
      .filter((shard) => openShardIds.has(shard.shardId))
      .sort((a, b) => (a.startingHashKey < b.startingHashKey ? -1 : a.startingHashKey > b.startingHashKey ? 1 : 0));
  }

  /** The open shard whose range holds the hash key; undefined only if the open shards leave a gap. */
  shardFor(hashKey: bigint): ShardRange | undefined {
    let low = 0;
    let high = this.open.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const shard = this.open[middle] as ShardRange;
      if (hashKey < shard.startingHashKey) high = middle - 1;
      else if (hashKey > shard.endingHashKey) low = middle + 1;
      else return shard;
    }
    return undefined;
  }

  isOpen(shardId: string): boolean {
    return this.#openIds.has(shardId) && this.#all.has(shardId);
  }

  /** Any shard listed, open or closed. */
  range(shardId: string): ShardRange | undefined {
    return this.#all.get(shardId);
  }
}

function toRange(shard: Shard): ShardRange | undefined {
  const range = shard.HashKeyRange;
  if (!shard.ShardId || !range?.StartingHashKey || !range.EndingHashKey) return undefined;
  return {
    shardId: shard.ShardId,
    startingHashKey: BigInt(range.StartingHashKey),
    endingHashKey: BigInt(range.EndingHashKey),
  };
}

/** Lists every shard of the stream (all pages); open ones are those without an ending sequence number. */
export async function loadShardMap(kinesis: KinesisClient, target: StreamTarget): Promise<ShardMap> {
  const shards: ShardRange[] = [];
  const open = new Set<string>();
  let nextToken: string | undefined;
  for (let page = 0; page < listShardsPagesMax; page++) {
    const answer = await kinesis.send(
      new ListShardsCommand(
        nextToken === undefined
          ? { StreamName: target.streamName, StreamARN: target.streamARN, MaxResults: listShardsPageSizeMax }
          : { NextToken: nextToken, MaxResults: listShardsPageSizeMax },
      ),
    );
    for (const shard of answer.Shards ?? []) {
      const range = toRange(shard);
      if (range === undefined) continue;
      shards.push(range);
      if (shard.SequenceNumberRange?.EndingSequenceNumber === undefined) open.add(range.shardId);
    }
    nextToken = answer.NextToken;
    if (!nextToken) return new ShardMap(shards, open);
  }
  throw new Error(`ListShards returned more than ${listShardsPagesMax} pages`);
}
