import { consumerSummary } from '../consumer-lookup.js';
import { findStream, type Operation, type OperationInput, type StreamsContext } from '../context.js';
import { streamErrors } from '../errors.js';
import { listStreamConsumersPageMax } from '../fan-out-config.js';
import { nextTokenLifetimeMs, openToken, sealToken } from '../pagination-token.js';
import type { StreamState } from '../state.js';

const tokenKind = 'ListStreamConsumers';

/** The stream StreamARN names; StreamCreationTimestamp, when given, must be its creation second. */
function resolveStream(context: StreamsContext, input: OperationInput): StreamState {
  const stream = findStream(context, { StreamARN: input.StreamARN });
  const createdMs = input.StreamCreationTimestamp as number | undefined;
  // Whole seconds: clients pass back a timestamp they read as (fractional) epoch seconds.
  if (createdMs !== undefined && Math.floor(createdMs / 1000) !== Math.floor(stream.createdMs / 1000)) {
    throw streamErrors.streamNotFound(stream.name, context.config.accountId);
  }
  return stream;
}

/** The consumer name a NextToken continues after. */
function resumeAfter(context: StreamsContext, stream: StreamState, nextToken: string): string {
  const token = openToken(context.secretKey, nextToken);
  const valid =
    token?.kind === tokenKind &&
    token.stream === stream.name &&
    token.streamCreatedMs === stream.createdMs &&
    typeof token.after === 'string';
  if (!valid) throw streamErrors.invalidArgument(`Invalid NextToken: ${nextToken}`);
  if (context.clock() - Number(token.issuedMs) > nextTokenLifetimeMs) throw streamErrors.expiredNextToken();
  return token.after as string;
}

export const listStreamConsumers: Operation = async (context, input) => {
  const stream = resolveStream(context, input);
  const nextToken = input.NextToken as string | undefined;
  const after = nextToken === undefined ? undefined : resumeAfter(context, stream, nextToken);
  const remaining = context.consumers
    .ofStream(stream)
    .filter((consumer) => after === undefined || consumer.name > after);
  const limit = Math.min(
    (input.MaxResults as number | undefined) ?? listStreamConsumersPageMax,
    listStreamConsumersPageMax,
  );
  const page = remaining.slice(0, limit);
  const last = page.at(-1);
  return {
    Consumers: page.map(consumerSummary),
    NextToken:
      remaining.length > page.length && last
        ? sealToken(context.secretKey, {
            kind: tokenKind,
            stream: stream.name,
            streamCreatedMs: stream.createdMs,
            after: last.name,
            issuedMs: context.clock(),
          })
        : undefined,
  };
};
