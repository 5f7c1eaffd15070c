import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newLease } from '../leases/lease-values.js';
import { MemoryLeaseStore } from '../leases/memory-lease-store.js';
import { LeaseCoordinator } from './lease-coordinator.js';
import { LeaseLostError } from './types.js';

const failoverTimeMs = 3000;

function worker(store: MemoryLeaseStore, workerId: string, clock: { nowMs: number }) {
  const taken: string[] = [];
  const lost: string[] = [];
  const coordinator = new LeaseCoordinator({
    store,
    workerId,
    failoverTimeMs,
    onTaken: (lease) => taken.push(lease.leaseKey),
    onLost: (shardId) => lost.push(shardId),
    onError: (error) => {
      throw error;
    },
    now: () => clock.nowMs,
    random: () => 0,
  });
  return { coordinator, taken, lost };
}

async function storeWith(keys: readonly string[]): Promise<MemoryLeaseStore> {
  const store = new MemoryLeaseStore();
  await store.ensureTable();
  for (const key of keys) await store.createLeaseIfNotExists(newLease(key, { checkpoint: 'TRIM_HORIZON' }));
  return store;
}

describe('LeaseCoordinator', () => {
  test('takes a lease of a dead worker only after its counter stood still for the failover time, on its own clock', async () => {
    const store = await storeWith(['shard-a']);
    const clock = { nowMs: 0 };
    const a = worker(store, 'a', clock);
    const b = worker(store, 'b', clock);
    await a.coordinator.takePass();
    assert.deepEqual(a.taken, ['shard-a']);
    await b.coordinator.takePass(); // first sight of the counter
    clock.nowMs = failoverTimeMs;
    await b.coordinator.takePass();
    assert.deepEqual(b.taken, [], 'not expired at exactly the failover time');
    clock.nowMs = failoverTimeMs + 1;
    await b.coordinator.takePass();
    assert.deepEqual(b.taken, ['shard-a']);
    await a.coordinator.renewAll();
    assert.deepEqual(a.lost, ['shard-a'], 'the old owner learns at its next renewal');
    await assert.rejects(a.coordinator.checkpoint('shard-a', '1', 0), LeaseLostError);
  });

  test('a worker that keeps renewing keeps its lease', async () => {
    const store = await storeWith(['shard-a']);
    const clock = { nowMs: 0 };
    const a = worker(store, 'a', clock);
    const b = worker(store, 'b', clock);
    await a.coordinator.takePass();
    for (let step = 0; step < 10; step++) {
      await b.coordinator.takePass();
      clock.nowMs += failoverTimeMs / 3;
      await a.coordinator.renewAll();
    }
    assert.deepEqual(b.taken, []);
    assert.deepEqual(a.lost, []);
    assert.equal((await store.getLease('shard-a'))?.leaseOwner, 'a');
  });

  test('checkpoints and renewals of one lease never race each other', async () => {
    const store = await storeWith(['shard-a']);
    const a = worker(store, 'a', { nowMs: 0 });
    await a.coordinator.takePass();
    await Promise.all([
      a.coordinator.renewAll(),
      a.coordinator.checkpoint('shard-a', '10', 0),
      a.coordinator.renewAll(),
      a.coordinator.checkpoint('shard-a', '20', 3),
      a.coordinator.renewAll(),
    ]);
    assert.deepEqual(a.lost, []);
    const stored = await store.getLease('shard-a');
    assert.equal(stored?.checkpoint, '20');
    assert.equal(stored?.checkpointSubSequenceNumber, 3);
  });

  test('a released lease is taken by another worker at its next pass, without waiting for the failover time', async () => {
    const store = await storeWith(['shard-a', 'shard-b']);
    const clock = { nowMs: 0 };
    const a = worker(store, 'a', clock);
    const b = worker(store, 'b', clock);
    await a.coordinator.takePass();
    await b.coordinator.takePass(); // steals one of two: a holds more than its share
    await a.coordinator.renewAll();
    assert.equal(a.lost.length, 1);
    assert.deepEqual([...a.coordinator.heldShardIds(), ...b.coordinator.heldShardIds()].sort(), ['shard-a', 'shard-b']);
    await a.coordinator.release(a.coordinator.heldShardIds()[0] ?? '');
    await b.coordinator.takePass();
    assert.deepEqual(b.coordinator.heldShardIds().sort(), ['shard-a', 'shard-b']);
  });

  test('a lease that could not be renewed for the failover time is given up', async () => {
    const store = await storeWith(['shard-a']);
    const clock = { nowMs: 0 };
    const errors: unknown[] = [];
    const lost: string[] = [];
    const coordinator = new LeaseCoordinator({
      store,
      workerId: 'a',
      failoverTimeMs,
      onTaken: () => {},
      onLost: (shardId) => lost.push(shardId),
      onError: (error) => errors.push(error),
      now: () => clock.nowMs,
    });
    await coordinator.takePass();
    store.renewLease = async () => {
      throw new Error('store unreachable');
    };
    clock.nowMs = failoverTimeMs;
    await coordinator.renewAll();
    assert.deepEqual(lost, []);
    clock.nowMs = failoverTimeMs + 1;
    await coordinator.renewAll();
    assert.deepEqual(lost, ['shard-a']);
    assert.equal(errors.length, 2);
  });
  test('a lease whose renewal hangs is given up once the failover time passed without a renewal', async () => {
    const store = await storeWith(['shard-a']);
    const clock = { nowMs: 0 };
    const a = worker(store, 'a', clock);
    await a.coordinator.takePass();
    assert.deepEqual(a.taken, ['shard-a']);
    // The store stops answering renewals (a request that never returns).
    let releaseRenewal: () => void = () => {};
    const hanging = new Promise<void>((resolve) => {
      releaseRenewal = resolve;
    });
    const renewLease = store.renewLease.bind(store);
    store.renewLease = async (lease) => {
      await hanging;
      return renewLease(lease);
    };
    const renewal = a.coordinator.renewAll();
    clock.nowMs = failoverTimeMs + 1;
    // Another worker may take the lease now: this one must stop processing although the
    // renewal has not answered (the taker pass runs on its own loop).
    await a.coordinator.takePass();
    assert.deepEqual(a.lost, ['shard-a'], 'lost without waiting for the hung renewal');
    // Nobody else took it, so the same pass takes it again (a new holding, a new counter).
    assert.deepEqual(a.taken, ['shard-a', 'shard-a']);
    releaseRenewal();
    await renewal;
    assert.deepEqual(a.lost, ['shard-a'], 'the late answer about the old holding does not end the new one');
    assert.deepEqual(a.coordinator.heldShardIds(), ['shard-a']);
    store.renewLease = renewLease;
    await a.coordinator.renewAll();
    assert.deepEqual(a.lost, ['shard-a'], 'the new holding renews');
  });
  test('a renewal refused only because the client retried one the store had applied keeps the lease', async () => {
    const store = await storeWith(['shard-a']);
    const clock = { nowMs: 0 };
    const a = worker(store, 'a', clock);
    const b = worker(store, 'b', clock);
    await a.coordinator.takePass();
    // The first attempt is applied but its answer lost; the SDK's retry then fails the condition.
    const renewLease = store.renewLease.bind(store);
    store.renewLease = async (lease) => {
      await renewLease(lease);
      return renewLease(lease);
    };
    await a.coordinator.renewAll();
    assert.deepEqual(a.lost, [], 'still the owner: not lost');
    store.renewLease = renewLease;
    await a.coordinator.renewAll();
    assert.deepEqual(a.lost, [], 'later renewals use the counter as stored');
    // A renewal refused because the lease really changed hands is still a loss.
    await b.coordinator.takePass();
    clock.nowMs = failoverTimeMs + 1;
    await b.coordinator.takePass();
    assert.deepEqual(b.taken, ['shard-a']);
    await a.coordinator.renewAll();
    assert.deepEqual(a.lost, ['shard-a']);
  });
  test('renewals are sent at the interval even when the store answers slowly (no drift)', async () => {
    const store = await storeWith(['shard-a']);
    const sentAt: number[] = [];
    const renewLease = store.renewLease.bind(store);
    const latencyMs = 150;
    store.renewLease = async (lease) => {
      sentAt.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return renewLease(lease);
    };
    const coordinator = new LeaseCoordinator({
      store,
      workerId: 'a',
      failoverTimeMs: 600, // renewals every 200 ms
      onTaken: () => {},
      onLost: () => assert.fail('the lease was lost'),
      onError: (error) => {
        throw error;
      },
    });
    await coordinator.takePass();
    coordinator.start();
    try {
      const startMs = performance.now();
      while (sentAt.length < 7) {
        assert.ok(performance.now() - startMs < 10_000, `7 renewals within 10 s, got ${sentAt.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      await coordinator.stopTaking();
      await coordinator.stopRenewing();
    }
    // Fixed rate: 200 ms apart on average. Waiting the interval after each answer would make it 350.
    const gaps = sentAt.slice(1).map((at, index) => at - (sentAt[index] as number));
    const averageMs = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    assert.ok(averageMs < 275, `renewals ${Math.round(averageMs)} ms apart on average (interval 200 ms)`);
  });
});
