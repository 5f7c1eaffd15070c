import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryLeaseStore } from '../leases/memory-lease-store.js';
import { type ShardInfo, syncLeases } from './shard-sync.js';

function shard(shardId: string, parentShardIds: string[] = [], closed = false): ShardInfo {
  return { shardId, parentShardIds, startingHashKey: '0', endingHashKey: '10', closed };
}

async function emptyStore(): Promise<MemoryLeaseStore> {
  const store = new MemoryLeaseStore();
  await store.ensureTable();
  return store;
}

const keys = async (store: MemoryLeaseStore): Promise<string[]> =>
  (await store.listLeases()).map((lease) => lease.leaseKey);

describe('syncLeases', () => {
  // 0 split into 2 and 3; 3 merged with 1 into 4.
  const shards = [
    shard('s0', [], true),
    shard('s1', [], true),
    shard('s2', ['s0']),
    shard('s3', ['s0'], true),
    shard('s4', ['s3', 's1']),
  ];

  test('an empty table gets the initial leases, then every descendant of a leased shard', async () => {
    const store = await emptyStore();
    const result = await syncLeases(store, shards, async () => [
      { shard: shards[0] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
      { shard: shards[1] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
    ]);
    assert.deepEqual([...result.created].sort(), ['s0', 's1', 's2', 's3', 's4']);
    const s4 = await store.getLease('s4');
    assert.deepEqual([...(s4?.parentShardIds ?? [])].sort(), ['s1', 's3']);
    assert.equal(s4?.checkpoint, 'TRIM_HORIZON');
  });

  test('shards whose parents are not leased (before a LATEST start) get no lease', async () => {
    const store = await emptyStore();
    await syncLeases(store, shards, async () => [
      { shard: shards[2] as ShardInfo, checkpoint: 'LATEST' },
      { shard: shards[4] as ShardInfo, checkpoint: 'LATEST' },
    ]);
    assert.deepEqual(await keys(store), ['s2', 's4']);
  });

  test('a non-empty table is never re-initialised', async () => {
    const store = await emptyStore();
    await syncLeases(store, shards, async () => [{ shard: shards[2] as ShardInfo, checkpoint: 'LATEST' }]);
    let asked = false;
    await syncLeases(store, shards, async () => {
      asked = true;
      return [];
    });
    assert.equal(asked, false);
  });

  test('a finished lease is deleted once its shard left the stream and its children have leases', async () => {
    const store = await emptyStore();
    await syncLeases(store, shards, async () => [
      { shard: shards[0] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
      { shard: shards[1] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
    ]);
    await store.takeLease((await store.getLease('s0')) ?? assert.fail(), 'w');
    await store.checkpoint('s0', 'w', 'SHARD_END', 0, ['s2', 's3']);
    const stillListed = await syncLeases(store, shards, async () => []);
    assert.deepEqual(stillListed.deleted, [], 'kept while the shard is listed');
    const afterRetention = await syncLeases(store, shards.slice(1), async () => []);
    assert.deepEqual(afterRetention.deleted, ['s0']);
    assert.deepEqual(await keys(store), ['s1', 's2', 's3', 's4']);
  });
  test('a merge’s child gets no lease while one of its listed parents has none', async () => {
    const store = await emptyStore();
    // A missing parent lease reads as finished to the child: s4 must wait until s1 has a lease.
    await syncLeases(store, shards, async () => [{ shard: shards[0] as ShardInfo, checkpoint: 'TRIM_HORIZON' }]);
    assert.deepEqual(await keys(store), ['s0', 's2', 's3']);
    await store.createLeaseIfNotExists({ ...((await store.getLease('s0')) ?? assert.fail()), leaseKey: 's1' });
    const result = await syncLeases(store, shards, async () => []);
    assert.deepEqual(result.created, ['s4']);
  });
  test('unfinished leases of expired ancestors are deleted; an unlisted new child is kept', async () => {
    const store = await emptyStore();
    await syncLeases(store, shards, async () => [
      { shard: shards[0] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
      { shard: shards[1] as ShardInfo, checkpoint: 'TRIM_HORIZON' },
    ]);
    // A child announced by ChildShards that ListShards does not show yet.
    await store.createLeaseIfNotExists({ ...((await store.getLease('s2')) ?? assert.fail()), leaseKey: 's5' });
    // s0, s1 and s3 expired before anything was read: only s2, s4 (and the new s5) are listed.
    const result = await syncLeases(store, [shards[2] as ShardInfo, shards[4] as ShardInfo], async () => []);
    assert.deepEqual([...result.deleted].sort(), ['s0', 's1', 's3']);
    assert.deepEqual(await keys(store), ['s2', 's4', 's5']);
  });
});
