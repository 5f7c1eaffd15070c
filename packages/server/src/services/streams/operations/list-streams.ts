import type { Operation } from '../context.js';
import { streamSummary } from '../describe.js';
import { streamErrors } from '../errors.js';
import { nextTokenLifetimeMs, openToken, sealToken } from '../pagination-token.js';

/** AWS returns at most 100 streams per call, whatever Limit asks for. */
export const listStreamsPageMax = 100;

export const listStreams: Operation = async (context, input) => {
  const limit = Math.min((input.Limit as number | undefined) ?? listStreamsPageMax, listStreamsPageMax);
  let after = input.ExclusiveStartStreamName as string | undefined;
  const nextToken = input.NextToken as string | undefined;
  if (nextToken !== undefined) {
    const token = openToken(context.secretKey, nextToken);
    if (token?.kind !== 'ListStreams' || typeof token.after !== 'string') {
      throw streamErrors.invalidArgument(`Invalid NextToken: ${nextToken}`);
    }
    if (context.clock() - Number(token.issuedMs) > nextTokenLifetimeMs) throw streamErrors.expiredNextToken();
    after = token.after;
  }
  const remaining = context.registry.all().filter((stream) => after === undefined || stream.name > after);
  const page = remaining.slice(0, limit);
  const hasMore = remaining.length > page.length;
  const last = page.at(-1);
  return {
    StreamNames: page.map((stream) => stream.name),
    HasMoreStreams: hasMore,
    NextToken:
      hasMore && last
        ? sealToken(context.secretKey, { kind: 'ListStreams', after: last.name, issuedMs: context.clock() })
        : undefined,
    StreamSummaries: page.map(streamSummary),
  };
};
