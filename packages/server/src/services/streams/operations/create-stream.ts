import { randomBytes } from 'node:crypto';
import { type Operation, openShardCount, streamArn } from '../context.js';
import { streamErrors } from '../errors.js';
import { evenRanges } from '../hash-keys.js';
import { type ShardState, type StreamMode, type StreamState, shardIdOf } from '../state.js';
import { checkTags } from '../tags.js';

/** AWS creates an on-demand stream with 4 shards. */
export const onDemandInitialShardCount = 4;
export const retentionHoursDefault = 24;
export const maxRecordSizeKiBDefault = 1024;

export const createStream: Operation = async (context, input) => {
  const { config, registry, clock } = context;
  const name = input.StreamName as string;
  const details = input.StreamModeDetails as { StreamMode?: StreamMode } | undefined;
  const shardCountInput = input.ShardCount as number | undefined;
  const mode: StreamMode = details?.StreamMode ?? (shardCountInput === undefined ? 'ON_DEMAND' : 'PROVISIONED');
  if (mode === 'PROVISIONED' && shardCountInput === undefined) {
    throw streamErrors.invalidArgument('ShardCount is required for PROVISIONED streams.');
  }
  if (mode === 'ON_DEMAND' && shardCountInput !== undefined) {
    throw streamErrors.invalidArgument('ShardCount must not be specified for ON_DEMAND streams.');
  }
  const shardCount = shardCountInput ?? onDemandInitialShardCount;
  const tags = (input.Tags as Record<string, string> | undefined) ?? {};
  checkTags(context, name, tags, {});
  if (registry.find(name)) throw streamErrors.streamExists(name, config.accountId);
  const current = openShardCount(context);
  if (current + shardCount > config.shardLimit) {
    throw streamErrors.shardLimit(config.accountId, config.region, current, config.shardLimit, shardCount);
  }
  const createdMs = clock();
  const shards: ShardState[] = evenRanges(shardCount).map((range, index) => ({
    index,
    shardId: shardIdOf(index),
    startingHashKey: range.start.toString(),
    endingHashKey: range.end.toString(),
    epochMs: createdMs,
  }));
  const stream: StreamState = {
    name,
    key: `${createdMs.toString(36)}-${randomBytes(6).toString('hex')}`,
    arn: streamArn(config, name),
    createdMs,
    status: 'CREATING',
    pending: { atMs: createdMs + config.createStreamMs, to: 'ACTIVE' },
    mode,
    retentionHours: retentionHoursDefault,
    shards,
    tags: { ...tags },
    enhancedMonitoring: [],
    encryptionType: 'NONE',
    maxRecordSizeKiB: (input.MaxRecordSizeInKiB as number | undefined) ?? maxRecordSizeKiBDefault,
    consumerCount: 0,
  };
  if (input.WarmThroughputMiBps !== undefined) stream.warmThroughputMiBps = input.WarmThroughputMiBps as number;
  // Open every shard log before answering, so that the first PutRecord finds its files.
  await Promise.all(shards.map((shard) => context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index })));
  await registry.save(stream);
  return {};
};
