import { findStream, type Operation, type OperationInput, type StreamsContext } from '../context.js';
import { shardDescription } from '../describe.js';
import { streamErrors } from '../errors.js';
import { nextTokenLifetimeMs, openToken, sealToken } from '../pagination-token.js';
import { isOpen, type ShardState, type StreamState, shardIndexOf } from '../state.js';

/** ListShards returns 1,000 shards per call unless MaxResults says otherwise. */
export const listShardsPageDefault = 1000;

interface ShardFilter {
  Type: string;
  ShardId?: string;
  Timestamp?: number;
}

function applyFilter(context: StreamsContext, stream: StreamState, filter: ShardFilter | undefined): ShardState[] {
  if (!filter) return stream.shards;
  switch (filter.Type) {
    case 'AFTER_SHARD_ID': {
      if (filter.ShardId === undefined) {
        throw streamErrors.invalidArgument('ShardId must be specified for the ShardFilter type AFTER_SHARD_ID.');
      }
      const after = shardIndexOf(filter.ShardId) ?? -1;
      return stream.shards.filter((shard) => shard.index > after);
    }
    case 'AT_LATEST':
      return stream.shards.filter(isOpen);
    case 'AT_TIMESTAMP':
    case 'FROM_TIMESTAMP':
      if (filter.Timestamp === undefined) {
        throw streamErrors.invalidArgument(`Timestamp must be specified for the ShardFilter type ${filter.Type}.`);
      }
      // Without resharding every shard covers every time; closed shards come with issue 4's lineage.
      return stream.shards.filter((shard) => isOpen(shard) || shard.epochMs <= (filter.Timestamp ?? 0));
    default:
      void context;
      return stream.shards;
  }
}

function resolvePage(context: StreamsContext, input: OperationInput): { stream: StreamState; after: number } {
  const nextToken = input.NextToken as string | undefined;
  if (nextToken === undefined) {
    if (input.StreamName === undefined && input.StreamARN === undefined) {
      throw streamErrors.invalidArgument('Either NextToken or StreamName should be provided.');
    }
    const after = input.ExclusiveStartShardId as string | undefined;
    return { stream: findStream(context, input), after: after === undefined ? -1 : (shardIndexOf(after) ?? -1) };
  }
  if (input.StreamName !== undefined || input.StreamARN !== undefined) {
    throw streamErrors.invalidArgument('NextToken and StreamName cannot be provided together.');
  }
  const token = openToken(context.secretKey, nextToken);
  if (token?.kind !== 'ListShards' || typeof token.stream !== 'string') {
    throw streamErrors.invalidArgument(`Invalid NextToken: ${nextToken}`);
  }
  if (context.clock() - Number(token.issuedMs) > nextTokenLifetimeMs) throw streamErrors.expiredNextToken();
  const stream = findStream(context, { StreamName: token.stream });
  return { stream, after: Number(token.after) };
}

export const listShards: Operation = async (context, input) => {
  const { stream, after } = resolvePage(context, input);
  const limit = (input.MaxResults as number | undefined) ?? listShardsPageDefault;
  const filtered = applyFilter(context, stream, input.ShardFilter as ShardFilter | undefined);
  const remaining = filtered.filter((shard) => shard.index > after);
  const page = remaining.slice(0, limit);
  const last = page.at(-1);
  return {
    Shards: page.map(shardDescription),
    NextToken:
      remaining.length > page.length && last
        ? sealToken(context.secretKey, {
            kind: 'ListShards',
            stream: stream.name,
            after: last.index,
            issuedMs: context.clock(),
          })
        : undefined,
  };
};
