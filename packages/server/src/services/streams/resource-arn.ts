/**
 * The ResourceARN of TagResource, UntagResource, ListTagsForResource and the resource-policy
 * operations: a stream (`…:stream/NAME`) or one of its consumers (`…:stream/NAME/consumer/C:EPOCH`),
 * the two patterns AWS documents for PutResourcePolicy.
 */
import type { StreamsContext } from './context.js';
import { streamErrors } from './errors.js';
import type { StreamState, StreamStatus } from './state.js';

const resourceArnPattern =
  /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})(?:\/consumer\/([a-zA-Z0-9_.-]{1,128}):(\d+))?$/;

/**
 * The stream a ResourceARN names, or ResourceNotFoundException. Consumers do not exist yet, so a
 * consumer ARN of an existing stream answers ResourceNotFoundException too. With `statuses`, the
 * stream must be in one of them (ResourceInUseException otherwise).
 */
export function findResourceStream(
  context: StreamsContext,
  resourceArn: string,
  statuses?: readonly StreamStatus[],
): StreamState {
  const match = resourceArnPattern.exec(resourceArn);
  if (!match) throw streamErrors.invalidResourceArn(resourceArn);
  const [, region, account = '', name = '', consumerName] = match;
  const { config } = context;
  const stream = region === config.region && account === config.accountId ? context.registry.find(name) : undefined;
  if (!stream) throw streamErrors.streamNotFound(name, account);
  if (consumerName !== undefined) throw streamErrors.consumerNotFound(consumerName, name, account);
  if (statuses && !statuses.includes(stream.status)) {
    throw streamErrors.streamNotActive(stream.name, account, stream.status);
  }
  return stream;
}
