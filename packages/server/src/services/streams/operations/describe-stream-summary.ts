import { findStream, type Operation } from '../context.js';
import { enhancedMonitoring, streamModeDetails } from '../describe.js';
import { isOpen } from '../state.js';

export const describeStreamSummary: Operation = async (context, input) => {
  const stream = findStream(context, input);
  return {
    StreamDescriptionSummary: {
      StreamName: stream.name,
      StreamARN: stream.arn,
      StreamStatus: stream.status,
      StreamModeDetails: streamModeDetails(stream),
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: new Date(stream.createdMs),
      EnhancedMonitoring: enhancedMonitoring(stream),
      EncryptionType: stream.encryptionType,
      KeyId: stream.keyId,
      OpenShardCount: stream.shards.filter(isOpen).length,
      ConsumerCount: stream.consumerCount,
      MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
      WarmThroughput:
        stream.warmThroughputMiBps === undefined
          ? undefined
          : { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps },
    },
  };
};
