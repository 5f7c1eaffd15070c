import { findStream, type Operation } from '../context.js';
import { enhancedMonitoring, shardDescription, streamModeDetails } from '../describe.js';
import { isExpired, shardIndexOf } from '../state.js';

/** DescribeStream lists at most 100 shards unless Limit says otherwise. */
export const describeStreamShardsDefault = 100;

export const describeStream: Operation = async (context, input) => {
  const stream = findStream(context, input);
  const limit = (input.Limit as number | undefined) ?? describeStreamShardsDefault;
  const startAfter = input.ExclusiveStartShardId as string | undefined;
  const afterIndex = startAfter === undefined ? -1 : (shardIndexOf(startAfter) ?? Number.MAX_SAFE_INTEGER);
  // AWS lists no shards while a stream is CREATING, nor when it was deleted while CREATING
  // (kinesalite's recordings of CreateStream and DeleteStream).
  const listed = stream.status === 'ACTIVE' || stream.status === 'UPDATING' ? stream.shards : [];
  // A closed shard whose data all expired is gone, as on AWS (retention-worker.ts).
  const remaining = listed.filter((shard) => shard.index > afterIndex && !isExpired(shard));
  const page = remaining.slice(0, limit);
  return {
    StreamDescription: {
      StreamName: stream.name,
      StreamARN: stream.arn,
      StreamStatus: stream.status,
      StreamModeDetails: streamModeDetails(stream),
      Shards: page.map(shardDescription),
      HasMoreShards: remaining.length > page.length,
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: new Date(stream.createdMs),
      EnhancedMonitoring: enhancedMonitoring(stream),
      EncryptionType: stream.encryptionType,
      KeyId: stream.keyId,
    },
  };
};
