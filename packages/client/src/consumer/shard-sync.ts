/**
 * Shard sync: lists every shard of the stream (closed ones too, all pages) and keeps the lease
 * table in step with it, as KCL's shard syncer does.
 *
 * - An empty table gets its first leases from the initial position: TRIM_HORIZON leases the oldest
 *   shards (those whose parents are no longer listed), LATEST the open shards, a timestamp the
 *   shards open at that time (ListShards' AT_TIMESTAMP filter).
 * - Afterwards every listed shard with a leased parent gets a lease too (checkpoint TRIM_HORIZON):
 *   the worker that finishes a shard creates its children's leases at once, and this repairs what a
 *   crash in between left out. A child is only processed once its parents are finished
 *   (shard-consumer.ts), so creating its lease early is harmless.
 * - A finished lease (SHARD_END) is deleted once its shard has left the stream (retention) and its
 *   children have leases; until then it stays, so a child can see that its parent is finished.
 * - An unfinished lease of a shard that left the stream while still an ancestor of a listed shard
 *   (its records expired before the application read them) is deleted too: it can never reach
 *   SHARD_END, and its children would otherwise wait for it forever (KCL deletes such leases too).
 */
import {
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandOutput,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { Lease, LeaseStore } from '../leases/lease-store.js';
import { newLease } from '../leases/lease-values.js';
import type { InitialPosition } from './types.js';

/** How the consumer names its stream in every call: by name or by ARN, as the user gave it. */
export type StreamReference = { readonly StreamName: string } | { readonly StreamARN: string };

export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  readonly closed: boolean;
}

/** ListShards pages at most this many (AWS's maximum MaxResults). */
const listShardsPageSizeMax = 1000;
/** A stream with more pages than this is not one we can have listed correctly. */
const listShardsPagesMax = 1000;

export async function listAllShards(
  kinesis: KinesisClient,
  stream: StreamReference,
  atTimestamp?: Date,
): Promise<ShardInfo[]> {
  const shards: ShardInfo[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < listShardsPagesMax; page++) {
    // AWS refuses a stream name or filter next to NextToken: the token carries them.
    const answer: ListShardsCommandOutput = await kinesis.send(
      new ListShardsCommand(
        nextToken !== undefined
          ? { NextToken: nextToken, MaxResults: listShardsPageSizeMax }
          : {
              ...stream,
              MaxResults: listShardsPageSizeMax,
              ...(atTimestamp === undefined ? {} : { ShardFilter: { Type: 'AT_TIMESTAMP', Timestamp: atTimestamp } }),
            },
      ),
    );
    for (const shard of answer.Shards ?? []) shards.push(shardInfo(shard));
    nextToken = answer.NextToken;
    if (nextToken === undefined) return shards;
  }
  throw new Error(`ListShards returned more than ${listShardsPagesMax} pages`);
}

function shardInfo(shard: Shard): ShardInfo {
  const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined);
  return {
    shardId: shard.ShardId ?? '',
    parentShardIds: parents,
    startingHashKey: shard.HashKeyRange?.StartingHashKey ?? '0',
    endingHashKey: shard.HashKeyRange?.EndingHashKey ?? '0',
    closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
  };
}

export interface SyncResult {
  readonly created: readonly string[];
  readonly deleted: readonly string[];
}

/** One shard sync pass (see the file comment). `shards` is the full listing; `initialShards` the initial set for an empty table. */
export async function syncLeases(
  store: LeaseStore,
  shards: readonly ShardInfo[],
  initialShards: () => Promise<ReadonlyArray<{ readonly shard: ShardInfo; readonly checkpoint: string }>>,
): Promise<SyncResult> {
  const created: string[] = [];
  let leases = await store.listLeases();
  if (leases.length === 0) {
    for (const { shard, checkpoint } of await initialShards()) {
      if (await store.createLeaseIfNotExists(leaseFor(shard, checkpoint))) created.push(shard.shardId);
    }
    leases = await store.listLeases();
  }
  const leased = new Map<string, Lease>(leases.map((lease) => [lease.leaseKey, lease]));
  const listed = new Set(shards.map((shard) => shard.shardId));
  // Children come after parents in ListShards' order, but walk to a fixed point in case they do not.
  // A child (of a merge: two parents) gets its lease only once every parent still listed has one:
  // a missing parent lease reads as "finished" to the child (KCL's rule), so a lease made before
  // the other parent's would let the child start while that parent still has records to give.
  for (let changed = true; changed; ) {
    changed = false;
    for (const shard of shards) {
      if (leased.has(shard.shardId) || !shard.parentShardIds.some((parent) => leased.has(parent))) continue;
      if (!shard.parentShardIds.every((parent) => leased.has(parent) || !listed.has(parent))) continue;
      const lease = leaseFor(shard, 'TRIM_HORIZON');
      if (await store.createLeaseIfNotExists(lease)) created.push(shard.shardId);
      leased.set(shard.shardId, lease);
      changed = true;
    }
  }
  const expired = expiredAncestors(shards, leased, listed);
  const deleted: string[] = [];
  for (const lease of leases) {
    const children = lease.childShardIds ?? [];
    const finished = lease.checkpoint === 'SHARD_END' && children.every((child) => leased.has(child));
    // An unfinished lease of an ancestor that left the stream can never end: its records expired
    // unread. Deleting it lets its descendants start instead of waiting for it forever.
    const unreadable = lease.checkpoint !== 'SHARD_END' && expired.has(lease.leaseKey);
    if ((finished || unreadable) && !listed.has(lease.leaseKey) && (await store.deleteLease(lease.leaseKey)))
      deleted.push(lease.leaseKey);
  }
  return { created, deleted };
}

/**
 * Leased shards that are no longer listed but are ancestors of a listed shard (through ListShards'
 * parents, then the leases' parentShardIds): shards whose data all expired. A lease that is
 * neither listed nor an ancestor of a listed shard (a child announced by ChildShards before
 * ListShards shows it) is not one of them.
 */
function expiredAncestors(
  shards: readonly ShardInfo[],
  leased: ReadonlyMap<string, Lease>,
  listed: ReadonlySet<string>,
): Set<string> {
  const expired = new Set<string>();
  const pending = shards.flatMap((shard) => shard.parentShardIds);
  for (let shardId = pending.pop(); shardId !== undefined; shardId = pending.pop()) {
    if (listed.has(shardId) || expired.has(shardId)) continue;
    const lease = leased.get(shardId);
    if (lease === undefined) continue;
    expired.add(shardId);
    pending.push(...lease.parentShardIds);
  }
  return expired;
}

/** The first leases of an application, by its initial position. */
export async function initialShards(
  kinesis: KinesisClient,
  stream: StreamReference,
  shards: readonly ShardInfo[],
  position: InitialPosition,
): Promise<Array<{ shard: ShardInfo; checkpoint: string }>> {
  if (position === 'TRIM_HORIZON') {
    const listed = new Set(shards.map((shard) => shard.shardId));
    return shards
      .filter((shard) => !shard.parentShardIds.some((parent) => listed.has(parent)))
      .map((shard) => ({ shard, checkpoint: 'TRIM_HORIZON' }));
  }
  if (position === 'LATEST') {
    return shards.filter((shard) => !shard.closed).map((shard) => ({ shard, checkpoint: 'LATEST' }));
  }
  const openThen = await listAllShards(kinesis, stream, position.timestamp);
  return openThen.map((shard) => ({ shard, checkpoint: 'AT_TIMESTAMP' }));
}

export function leaseFor(shard: ShardInfo, checkpoint: string): Lease {
  return newLease(shard.shardId, {
    checkpoint,
    parentShardIds: shard.parentShardIds,
    startingHashKey: shard.startingHashKey,
    endingHashKey: shard.endingHashKey,
  });
}
