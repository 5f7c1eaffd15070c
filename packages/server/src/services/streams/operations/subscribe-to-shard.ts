import { eventStreamOutput } from '../../../protocol/event-stream.js';
import { findConsumerByArn } from '../consumer-lookup.js';
import { consumerEpochSeconds } from '../consumer-registry.js';
import { findReadableShard, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { subscriptionStream } from '../shard-subscription.js';
import { type StartingPosition, startingOffset } from '../subscription-start.js';

/**
 * Every check that can fail before the first frame answers as a plain error (HTTP 400): the
 * consumer, its status, the shard, the starting position, then the call rate (one per second per
 * consumer and shard) and the one-subscription rule, in that order. From then on the answer is an event stream (see shard-subscription.ts).
 */
export const subscribeToShard: Operation = async (context, input, options) => {
  const account = context.config.accountId;
  const { stream, consumer } = findConsumerByArn(context, input.ConsumerARN as string);
  if (consumer.status !== 'ACTIVE') {
    throw streamErrors.consumerNotActiveForSubscription(
      consumer.name,
      consumerEpochSeconds(consumer),
      stream.name,
      account,
    );
  }
  const { shard } = findReadableShard(context, { StreamName: stream.name }, input.ShardId as string);
  const log = await context.logs.openShard({ streamKey: stream.key, shardIndex: shard.index });
  const position = input.StartingPosition as StartingPosition;
  const offset = await startingOffset({ stream, shard, log, account, nowMs: context.clock() }, position);
  const lease = context.subscriptions.acquire(consumer.arn, shard.shardId, stream.key);
  const events = subscriptionStream({
    context,
    streamName: stream.name,
    streamCreatedMs: stream.createdMs,
    shardIndex: shard.index,
    consumerName: consumer.name,
    consumerArn: consumer.arn,
    log,
    startOffset: offset,
    lease,
    signal: options?.signal ?? new AbortController().signal,
  });
  return eventStreamOutput(events);
};
