/**
 * What IAM authorizes a Data Streams call against, derived from the checked input in one place:
 * the action `kinesis:<Operation>` and the resource ARN AWS's service authorization reference
 * lists for it — the stream, the consumer (consumer operations), or `*` (ListStreams,
 * DescribeLimits, the account settings). A stream addressed by name is this server's account's
 * stream of that name (the server hosts one account; other accounts reach it by ARN).
 */
import type { RpcAuthorization, RpcInput } from '../../protocol/rpc-service.js';
import type { StreamsContext } from './context.js';
import { openIterator } from './iterator-token.js';
import { resourcePolicyKey } from './resource-policy.js';

/** Operations that act on no one resource. */
const accountWideOperations: ReadonlySet<string> = new Set([
  'ListStreams',
  'DescribeLimits',
  'DescribeAccountSettings',
  'UpdateAccountSettings',
]);

/** Operations whose resource is a consumer rather than its stream. */
const consumerOperations: ReadonlySet<string> = new Set([
  'DescribeStreamConsumer',
  'DeregisterStreamConsumer',
  'SubscribeToShard',
]);

function text(input: RpcInput, member: string): string | undefined {
  const value = input[member];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function streamArnOf(context: StreamsContext, name: string): string {
  return `arn:aws:kinesis:${context.config.region}:${context.config.accountId}:stream/${name}`;
}

/** The stream (or consumer) ARN an operation acts on; `*` when the input names none. */
export function resourceArnOf(context: StreamsContext, operation: string, input: RpcInput): string {
  if (accountWideOperations.has(operation)) return '*';
  const resourceArn = text(input, 'ResourceARN');
  if (resourceArn !== undefined) return resourceArn;
  const streamArn = text(input, 'StreamARN');
  if (consumerOperations.has(operation)) {
    const consumerArn = text(input, 'ConsumerARN');
    if (consumerArn !== undefined) return consumerArn;
    const consumerName = text(input, 'ConsumerName');
    // Without the consumer's creation time its ARN is not known; `:*` never matches a policy
    // that names a particular consumer, and matches one that names them all.
    if (streamArn !== undefined && consumerName !== undefined) return `${streamArn}/consumer/${consumerName}:*`;
  }
  if (streamArn !== undefined) return streamArn;
  const streamName = text(input, 'StreamName');
  if (streamName !== undefined) return streamArnOf(context, streamName);
  if (operation === 'GetRecords') {
    const iterator = text(input, 'ShardIterator');
    const position = iterator === undefined ? undefined : openIterator(context.secretKey, iterator);
    if (position) return streamArnOf(context, position.streamName);
  }
  return '*';
}

export function streamsAuthorization(context: StreamsContext): RpcAuthorization {
  return {
    actionPrefix: 'kinesis',
    signingName: 'kinesis',
    resourceArn: (operation, input) => resourceArnOf(context, operation, input),
    resourcePolicy: (resourceArn) =>
      resourceArn === '*' ? undefined : context.meta.get<string>(resourcePolicyKey(resourceArn))?.value,
  };
}
