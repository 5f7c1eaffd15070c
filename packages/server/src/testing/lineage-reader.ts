/**
 * Test support: reads a whole stream the way KCL does after resharding — a shard only once all of
 * its parents were read to their end, each closed shard until GetRecords answers no
 * NextShardIterator, following the ChildShards it names — and checks what resharding promises:
 * every acknowledged record read exactly once, and each partition key's records in the order
 * they were acknowledged.
 */
import assert from 'node:assert/strict';

export interface LineageShard {
  readonly ShardId: string;
  readonly ParentShardId?: string | undefined;
  readonly AdjacentParentShardId?: string | undefined;
  readonly HashKeyRange?: { StartingHashKey?: string | undefined; EndingHashKey?: string | undefined } | undefined;
  readonly SequenceNumberRange?: { EndingSequenceNumber?: string | undefined } | undefined;
}

export interface LineageRecord {
  readonly SequenceNumber: string;
  readonly PartitionKey: string;
  readonly Data: string;
}

export interface LineagePage {
  readonly records: LineageRecord[];
  readonly nextIterator: string | undefined;
  readonly childShardIds: string[] | undefined;
  readonly millisBehindLatest: number;
}

/** The three calls the reader needs, over whatever client the test uses. */
export interface LineageCalls {
  listShards(): Promise<LineageShard[]>;
  trimHorizonIterator(shardId: string): Promise<string>;
  getRecords(iterator: string): Promise<LineagePage>;
}

/** Bounds every loop: a test that reads more than this many pages per shard has a bug. */
const pagesPerShardMax = 10_000;

export interface LineageRead {
  /** Records in reading order, each with the shard it was read from. */
  readonly records: Array<LineageRecord & { shardId: string }>;
  /** Shard ids in the order they were read. */
  readonly shardOrder: string[];
}

export async function readByLineage(calls: LineageCalls): Promise<LineageRead> {
  const shards = await calls.listShards();
  const byId = new Map(shards.map((shard) => [shard.ShardId, shard]));
  const parentsOf = (shard: LineageShard): string[] =>
    [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined && byId.has(id));
  const done = new Set<string>();
  const read: LineageRead = { records: [], shardOrder: [] };
  for (;;) {
    const ready = shards.find((shard) => !done.has(shard.ShardId) && parentsOf(shard).every((id) => done.has(id)));
    if (!ready) break;
    await readShard(calls, ready, byId, read);
    done.add(ready.ShardId);
  }
  assert.equal(done.size, shards.length, 'every shard is reachable through its parents');
  return read;
}

async function readShard(
  calls: LineageCalls,
  shard: LineageShard,
  byId: ReadonlyMap<string, LineageShard>,
  read: LineageRead,
): Promise<void> {
  const closed = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
  let iterator: string | undefined = await calls.trimHorizonIterator(shard.ShardId);
  for (let page = 0; page < pagesPerShardMax && iterator; page++) {
    const answer = await calls.getRecords(iterator);
    for (const record of answer.records) {
      const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
      if (ending !== undefined) {
        assert.ok(BigInt(record.SequenceNumber) <= BigInt(ending), `${shard.ShardId} holds nothing past its end`);
      }
      read.records.push({ ...record, shardId: shard.ShardId });
    }
    iterator = answer.nextIterator;
    if (!iterator) {
      assert.ok(closed, `${shard.ShardId} ends its iterator only when closed`);
      const children = [...byId.values()]
        .filter((child) => child.ParentShardId === shard.ShardId || child.AdjacentParentShardId === shard.ShardId)
        .map((child) => child.ShardId);
      assert.deepEqual(answer.childShardIds?.sort(), children.sort(), `${shard.ShardId} names its children at its end`);
    } else if (!closed && answer.records.length === 0 && answer.millisBehindLatest === 0) {
      break;
    }
  }
  assert.ok(!closed || !iterator, `${shard.ShardId} was read to its end`);
  read.shardOrder.push(shard.ShardId);
}

/**
 * Asserts that the read holds each acknowledged record exactly once and every partition key's
 * records in acknowledgement order. `acknowledged` maps partition key → data, in the order the
 * writer got its acknowledgements (one writer per key, one record in flight per key).
 */
export function assertReadExactlyOnceInOrder(read: LineageRead, acknowledged: ReadonlyMap<string, string[]>): void {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const record of read.records) {
    const id = `${record.shardId}/${record.SequenceNumber}`;
    assert.ok(!seen.has(id), `${id} read once`);
    seen.add(id);
    const list = byKey.get(record.PartitionKey) ?? [];
    list.push(record.Data);
    byKey.set(record.PartitionKey, list);
  }
  for (const [key, data] of acknowledged) {
    assert.deepEqual(byKey.get(key) ?? [], data, `partition key ${key}: every record once, in order`);
  }
}
