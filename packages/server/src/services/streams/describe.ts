/** Wire shapes shared by DescribeStream, DescribeStreamSummary, ListShards and ListStreams. */
import { sequenceString } from './sequence-number.js';
import type { ShardState, StreamState } from './state.js';

export function shardDescription(shard: ShardState): Record<string, unknown> {
  return {
    ShardId: shard.shardId,
    ParentShardId: shard.parentShardId,
    AdjacentParentShardId: shard.adjacentParentShardId,
    HashKeyRange: { StartingHashKey: shard.startingHashKey, EndingHashKey: shard.endingHashKey },
    SequenceNumberRange: {
      StartingSequenceNumber: sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: 0 }),
      EndingSequenceNumber: shard.endingSequenceNumber,
    },
  };
}

/** The ChildShards of a closed shard, as GetRecords answers them at the shard's end. */
export function childShards(stream: StreamState, parent: ShardState): Array<Record<string, unknown>> {
  return stream.shards
    .filter((shard) => shard.parentShardId === parent.shardId || shard.adjacentParentShardId === parent.shardId)
    .map((child) => ({
      ShardId: child.shardId,
      ParentShards: [child.parentShardId, child.adjacentParentShardId].filter((id) => id !== undefined),
      HashKeyRange: { StartingHashKey: child.startingHashKey, EndingHashKey: child.endingHashKey },
    }));
}

export function enhancedMonitoring(stream: StreamState): Array<Record<string, unknown>> {
  return [{ ShardLevelMetrics: [...stream.enhancedMonitoring] }];
}

export function streamModeDetails(stream: StreamState): Record<string, unknown> {
  return { StreamMode: stream.mode };
}

export function streamSummary(stream: StreamState): Record<string, unknown> {
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    StreamStatus: stream.status,
    StreamModeDetails: streamModeDetails(stream),
    StreamCreationTimestamp: new Date(stream.createdMs),
  };
}
