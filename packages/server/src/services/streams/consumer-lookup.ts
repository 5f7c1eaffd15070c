/** Finding the consumer a request names: by ConsumerARN, or by StreamARN and ConsumerName. */

import { type ConsumerState, consumerEpochSeconds } from './consumer-registry.js';
import { findStream, type OperationInput, type StreamsContext } from './context.js';
import { streamErrors } from './errors.js';
import type { StreamState } from './state.js';

const consumerArnPattern =
  /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+)$/;

export interface ConsumerArnParts {
  readonly region: string;
  readonly account: string;
  readonly streamName: string;
  readonly consumerName: string;
  /** As written in the ARN (AWS's messages repeat it). */
  readonly epochSeconds: string;
}

export function parseConsumerArn(arn: string): ConsumerArnParts | undefined {
  const match = consumerArnPattern.exec(arn);
  if (!match) return undefined;
  const [, region = '', account = '', streamName = '', consumerName = '', epochSeconds = ''] = match;
  return { region, account, streamName, consumerName, epochSeconds };
}

export interface FoundConsumer {
  readonly stream: StreamState;
  readonly consumer: ConsumerState;
}

/**
 * The consumer a parsed ARN names. A missing stream answers the stream's ResourceNotFoundException
 * (as for stream ARNs); a missing consumer, or one registered again since (another creation
 * timestamp), answers the consumer's.
 */
export function findConsumerByParts(context: StreamsContext, parts: ConsumerArnParts): FoundConsumer {
  const { config } = context;
  const local = parts.region === config.region && parts.account === config.accountId;
  const stream = local ? context.registry.find(parts.streamName) : undefined;
  if (!stream) throw streamErrors.streamNotFound(parts.streamName, parts.account);
  const consumer = context.consumers.find(stream, parts.consumerName);
  if (!consumer || String(consumerEpochSeconds(consumer)) !== parts.epochSeconds) {
    throw streamErrors.consumerNotFound(parts.consumerName, parts.epochSeconds, parts.streamName, parts.account);
  }
  return { stream, consumer };
}

export function findConsumerByArn(context: StreamsContext, arn: string): FoundConsumer {
  const parts = parseConsumerArn(arn);
  if (!parts) throw streamErrors.invalidConsumerArn(arn);
  return findConsumerByParts(context, parts);
}

/**
 * DescribeStreamConsumer and DeregisterStreamConsumer: ConsumerARN when given (StreamARN and
 * ConsumerName are then not consulted), otherwise StreamARN and ConsumerName together.
 */
export function findAddressedConsumer(context: StreamsContext, input: OperationInput): FoundConsumer {
  const arn = input.ConsumerARN as string | undefined;
  if (arn !== undefined) return findConsumerByArn(context, arn);
  const streamArnText = input.StreamARN as string | undefined;
  const name = input.ConsumerName as string | undefined;
  if (streamArnText === undefined || name === undefined) throw streamErrors.consumerAddressMissing();
  const stream = findStream(context, { StreamARN: streamArnText });
  const consumer = context.consumers.find(stream, name);
  if (!consumer) throw streamErrors.consumerNameNotFound(name, stream.name, context.config.accountId);
  return { stream, consumer };
}

/** The Consumer wire shape (ListStreamConsumers, RegisterStreamConsumer). */
export function consumerSummary(consumer: ConsumerState): Record<string, unknown> {
  return {
    ConsumerName: consumer.name,
    ConsumerARN: consumer.arn,
    ConsumerStatus: consumer.status,
    ConsumerCreationTimestamp: new Date(consumer.createdMs),
  };
}
