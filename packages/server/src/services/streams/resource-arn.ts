/**
 * The ResourceARN of TagResource, UntagResource, ListTagsForResource and the resource-policy
 * operations: a stream (`…:stream/NAME`) or one of its consumers (`…:stream/NAME/consumer/C:EPOCH`),
 * the two patterns AWS documents for PutResourcePolicy.
 */

import { findConsumerByParts, parseConsumerArn } from './consumer-lookup.js';
import { type ConsumerState, consumerEpochSeconds } from './consumer-registry.js';
import type { StreamsContext } from './context.js';
import { streamErrors } from './errors.js';
import type { StreamState, StreamStatus } from './state.js';

const streamArnPattern = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

export type Resource =
  | { readonly kind: 'stream'; readonly arn: string; readonly stream: StreamState }
  | { readonly kind: 'consumer'; readonly arn: string; readonly stream: StreamState; readonly consumer: ConsumerState };

/**
 * The stream or consumer a ResourceARN names, or ResourceNotFoundException. With `statuses` (the
 * operations that change the resource), the stream must be in one of them and a consumer must be
 * ACTIVE (ResourceInUseException otherwise, in AWS's words for a consumer that is not).
 */
export function findResource(
  context: StreamsContext,
  resourceArn: string,
  statuses?: readonly StreamStatus[],
): Resource {
  const account = context.config.accountId;
  const consumerParts = parseConsumerArn(resourceArn);
  if (consumerParts) {
    const { stream, consumer } = findConsumerByParts(context, consumerParts);
    if (statuses && !statuses.includes(stream.status)) {
      throw streamErrors.streamNotActive(stream.name, account, stream.status);
    }
    if (statuses && consumer.status !== 'ACTIVE') {
      throw streamErrors.consumerNotActive(consumer.name, consumerEpochSeconds(consumer), stream.name, account);
    }
    return { kind: 'consumer', arn: consumer.arn, stream, consumer };
  }
  const match = streamArnPattern.exec(resourceArn);
  if (!match) throw streamErrors.invalidResourceArn(resourceArn);
  const [, region, arnAccount = '', name = ''] = match;
  const local = region === context.config.region && arnAccount === account;
  const stream = local ? context.registry.find(name) : undefined;
  if (!stream) throw streamErrors.streamNotFound(name, arnAccount);
  if (statuses && !statuses.includes(stream.status)) {
    throw streamErrors.streamNotActive(stream.name, arnAccount, stream.status);
  }
  return { kind: 'stream', arn: stream.arn, stream };
}

export function resourceTags(resource: Resource): Record<string, string> {
  return resource.kind === 'stream' ? resource.stream.tags : resource.consumer.tags;
}

/** Replaces the resource's tags durably. */
export async function saveResourceTags(
  context: StreamsContext,
  resource: Resource,
  tags: Record<string, string>,
): Promise<void> {
  if (resource.kind === 'consumer') {
    await context.consumers.saveTags(resource.consumer, tags);
    return;
  }
  resource.stream.tags = tags;
  await context.registry.save(resource.stream);
}
