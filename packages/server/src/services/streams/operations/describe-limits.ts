import { type Operation, openShardCount } from '../context.js';

/**
 * AWS's default quota of on-demand streams per account: "By default, you can create up to 50 data
 * streams with the on-demand capacity mode" (Kinesis Data Streams Developer Guide, Quotas and limits).
 */
export const onDemandStreamCountLimit = 50;

export const describeLimits: Operation = async (context) => {
  const onDemandStreamCount = context.registry.all().filter((stream) => stream.mode === 'ON_DEMAND').length;
  return {
    ShardLimit: context.config.shardLimit,
    OpenShardCount: openShardCount(context),
    OnDemandStreamCount: onDemandStreamCount,
    OnDemandStreamCountLimit: onDemandStreamCountLimit,
  };
};
