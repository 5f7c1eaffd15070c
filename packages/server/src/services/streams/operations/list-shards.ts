import { findStream, type Operation, type OperationInput, type StreamsContext } from '../context.js';
import { shardDescription } from '../describe.js';
import { streamErrors } from '../errors.js';
import { nextTokenLifetimeMs, openToken, sealToken } from '../pagination-token.js';
import { isExpired, isOpen, type ShardState, type StreamState, shardIndexOf } from '../state.js';

/** ListShards returns 1,000 shards per call unless MaxResults says otherwise. */
export const listShardsPageDefault = 1000;

interface ShardFilter {
  Type: string;
  ShardId?: string;
  Timestamp?: number;
}

const hourMs = 3_600_000;

/**
 * The shards that held the stream's data at `timeMs`: created at or before it, and open or closed
 * at or after it (AWS: "all shards whose start timestamp is less than or equal to the given
 * timestamp and end timestamp is greater than or equal to the given timestamp or still open").
 */
function shardsAt(stream: StreamState, timeMs: number): ShardState[] {
  return stream.shards.filter((shard) => shard.epochMs <= timeMs && (shard.closedMs ?? timeMs) >= timeMs);
}

/** The shards holding data from `timeMs` on: every open shard and those closed at or after it. */
function shardsFrom(stream: StreamState, timeMs: number): ShardState[] {
  return stream.shards.filter((shard) => (shard.closedMs ?? timeMs) >= timeMs);
}

/**
 * AWS's ShardFilter types (ListShards API reference). Times before the trim horizon (the start of
 * the retention period, or the stream's creation if it is younger) are corrected to it, as AWS
 * documents for FROM_TIMESTAMP, so that no filter can answer an empty shard set for a live stream.
 */
function applyFilter(context: StreamsContext, stream: StreamState, filter: ShardFilter | undefined): ShardState[] {
  if (!filter) return stream.shards;
  const trimHorizonMs = Math.max(stream.createdMs, context.clock() - stream.retentionHours * hourMs);
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
    case 'AT_TRIM_HORIZON':
      return shardsAt(stream, trimHorizonMs);
    case 'FROM_TRIM_HORIZON':
      return shardsFrom(stream, trimHorizonMs);
    case 'AT_TIMESTAMP':
    case 'FROM_TIMESTAMP': {
      if (filter.Timestamp === undefined) {
        throw streamErrors.invalidArgument(`Timestamp must be specified for the ShardFilter type ${filter.Type}.`);
      }
      const timeMs = Math.max(filter.Timestamp, trimHorizonMs);
      return filter.Type === 'AT_TIMESTAMP' ? shardsAt(stream, timeMs) : shardsFrom(stream, timeMs);
    }
    default:
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
  // A closed shard whose data all expired is gone, as on AWS (retention-worker.ts).
  const remaining = filtered.filter((shard) => shard.index > after && !isExpired(shard));
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
