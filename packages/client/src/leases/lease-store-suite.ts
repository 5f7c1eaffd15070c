/**
 * The conformance suite every LeaseStore passes (memory, native, DynamoDB): one set of node:test
 * tests, registered under `name`, run against stores made by `makeStore`. Each call of
 * `makeStore` must give a store of a NEW application (a fresh table) on the same backend, so the
 * isolation test can check that two applications' leases never mix; `openPeer`, when given,
 * opens a second handle of the same application (its own connection), which the race tests then
 * use as the second worker.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Lease, LeaseStore } from './lease-store.js';
import { canonicalLease, newLease } from './lease-values.js';

export interface StoreUnderTest {
  readonly store: LeaseStore;
  close(): Promise<void>;
  /** Another handle on the same application, as a second worker would have. */
  openPeer?(): Promise<LeaseStore>;
}

/** Concurrent take races run by the race test; each must have exactly one winner. */
const takeRacesCount = 40;
/** Workers in each race. */
const racersCount = 4;

const hashKeyMax = ((1n << 128n) - 1n).toString();

export function leaseStoreSuite(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`LeaseStore conformance: ${name}`, () => {
    const opened: StoreUnderTest[] = [];
    const open = async (): Promise<LeaseStore> => {
      const made = await makeStore();
      opened.push(made);
      await made.store.ensureTable();
      return made.store;
    };
    after(async () => {
      for (const made of opened.splice(0)) await made.close();
    });

    test('ensureTable is idempotent and a new table is empty', async () => {
      const store = await open();
      await store.ensureTable();
      assert.deepEqual(await store.listLeases(), []);
      assert.equal(await store.getLease('shardId-000000000000'), undefined);
    });

    test('createLeaseIfNotExists creates once, then answers false and changes nothing', async () => {
      const store = await open();
      const lease = newLease('shardId-000000000000', { checkpoint: 'TRIM_HORIZON' });
      assert.equal(await store.createLeaseIfNotExists(lease), true);
      const other = { ...lease, checkpoint: 'LATEST', leaseOwner: 'intruder' };
      assert.equal(await store.createLeaseIfNotExists(other), false);
      assert.deepEqual(await store.getLease(lease.leaseKey), lease);
    });

    test('listLeases returns every lease, getLease one', async () => {
      const store = await open();
      const keys = Array.from({ length: 25 }, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
      for (const key of keys)
        assert.equal(await store.createLeaseIfNotExists(newLease(key, { checkpoint: 'LATEST' })), true);
      const listed = await store.listLeases();
      assert.deepEqual(listed.map((lease) => lease.leaseKey).sort(), keys);
      assert.deepEqual(
        await store.getLease('shardId-000000000007'),
        newLease('shardId-000000000007', { checkpoint: 'LATEST' }),
      );
      assert.equal(await store.getLease('shardId-999999999999'), undefined);
    });

    test('renewLease bumps the counter and keeps everything else', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000001', 'worker-a');
      const renewed = await store.renewLease(taken);
      assert.deepEqual(renewed, { ...taken, leaseCounter: taken.leaseCounter + 1 });
      assert.deepEqual(await store.getLease(taken.leaseKey), renewed);
    });

    test('renewLease fails on a stale counter or another owner, changing nothing', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000001', 'worker-a');
      const renewed = await store.renewLease(taken);
      assert.ok(renewed);
      assert.equal(await store.renewLease(taken), undefined, 'stale counter');
      assert.equal(await store.renewLease({ ...renewed, leaseOwner: 'worker-b' }), undefined, 'other owner');
      assert.equal(await store.renewLease({ ...renewed, leaseOwner: undefined }), undefined, 'no owner');
      assert.deepEqual(await store.getLease(taken.leaseKey), renewed);
    });

    test('renewLease of an unowned or missing lease fails', async () => {
      const store = await open();
      const lease = newLease('shardId-000000000001', { checkpoint: 'TRIM_HORIZON' });
      await store.createLeaseIfNotExists(lease);
      assert.equal(await store.renewLease(lease), undefined);
      assert.equal(await store.renewLease({ ...lease, leaseKey: 'shardId-000000000404', leaseOwner: 'w' }), undefined);
    });

    test('takeLease sets the owner, bumps the counter and ownerSwitchesSinceCheckpoint', async () => {
      const store = await open();
      const lease = newLease('shardId-000000000002', { checkpoint: 'TRIM_HORIZON' });
      await store.createLeaseIfNotExists(lease);
      const first = await store.takeLease(lease, 'worker-a');
      assert.deepEqual(first, { ...lease, leaseOwner: 'worker-a', leaseCounter: 1, ownerSwitchesSinceCheckpoint: 1 });
      assert.ok(first);
      const stolen = await store.takeLease(first, 'worker-b');
      assert.deepEqual(stolen, { ...first, leaseOwner: 'worker-b', leaseCounter: 2, ownerSwitchesSinceCheckpoint: 2 });
      assert.ok(stolen);
      // Taking a lease one already holds bumps the counter but is no owner switch.
      const again = await store.takeLease(stolen, 'worker-b');
      assert.deepEqual(again, { ...stolen, leaseCounter: 3 });
      assert.deepEqual(await store.getLease(lease.leaseKey), again);
    });

    test('takeLease fails on a stale counter or a missing lease', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000003', 'worker-a');
      const renewed = await store.renewLease(taken);
      assert.equal(await store.takeLease(taken, 'worker-b'), undefined);
      assert.deepEqual(await store.getLease(taken.leaseKey), renewed);
      const missing = newLease('shardId-000000000404', { checkpoint: 'LATEST' });
      assert.equal(await store.takeLease(missing, 'worker-b'), undefined);
      assert.equal(await store.getLease(missing.leaseKey), undefined);
    });

    test(`workers racing to take a lease: exactly one wins (${takeRacesCount} races of ${racersCount})`, async () => {
      const made = await makeStore();
      opened.push(made);
      await made.store.ensureTable();
      const stores = [made.store];
      for (let index = 1; index < racersCount; index++) stores.push((await made.openPeer?.()) ?? made.store);
      const races = Array.from({ length: takeRacesCount }, async (_, race) => {
        const key = `shardId-${String(race).padStart(12, '0')}`;
        const lease = newLease(key, { checkpoint: 'TRIM_HORIZON' });
        assert.equal(await made.store.createLeaseIfNotExists(lease), true);
        const outcomes = await Promise.all(stores.map((store, worker) => store.takeLease(lease, `worker-${worker}`)));
        const winners = outcomes.filter((outcome) => outcome !== undefined);
        assert.equal(winners.length, 1, `race ${race}: one winner, got ${winners.length}`);
        const stored = await made.store.getLease(key);
        assert.deepEqual(stored, winners[0]);
        assert.equal(stored?.leaseCounter, 1);
      });
      await Promise.all(races);
    });

    test('racing renewals and a steal: the stored counter counts exactly the successes', async () => {
      const made = await makeStore();
      opened.push(made);
      await made.store.ensureTable();
      const peer = (await made.openPeer?.()) ?? made.store;
      const taken = await createTaken(made.store, 'shardId-000000000005', 'worker-a');
      const outcomes = await Promise.all([
        made.store.renewLease(taken),
        peer.takeLease(taken, 'worker-b'),
        made.store.renewLease(taken),
        peer.takeLease(taken, 'worker-c'),
      ]);
      const successes = outcomes.filter((outcome) => outcome !== undefined);
      assert.equal(successes.length, 1);
      assert.equal((await made.store.getLease(taken.leaseKey))?.leaseCounter, taken.leaseCounter + 1);
    });

    test('evictLease clears the owner and bumps the counter; only the owner may', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000006', 'worker-a');
      assert.equal(await store.evictLease(taken.leaseKey, 'worker-b'), false);
      assert.deepEqual(await store.getLease(taken.leaseKey), taken);
      assert.equal(await store.evictLease(taken.leaseKey, 'worker-a'), true);
      const evicted = await store.getLease(taken.leaseKey);
      assert.deepEqual(
        evicted,
        canonicalLease({ ...taken, leaseOwner: undefined, leaseCounter: taken.leaseCounter + 1 }),
      );
      assert.equal(await store.evictLease(taken.leaseKey, 'worker-a'), false, 'already released');
      assert.equal(await store.evictLease('shardId-000000000404', 'worker-a'), false, 'missing');
      // A released lease is taken like an expired one: by its counter.
      assert.ok(evicted);
      const retaken = await store.takeLease(evicted, 'worker-b');
      assert.equal(retaken?.leaseOwner, 'worker-b');
      assert.equal(retaken?.ownerSwitchesSinceCheckpoint, taken.ownerSwitchesSinceCheckpoint + 1);
    });

    test('checkpoint by the owner records progress, resets ownerSwitches, bumps the counter', async () => {
      const store = await open();
      const lease = newLease('shardId-000000000007', { checkpoint: 'TRIM_HORIZON' });
      await store.createLeaseIfNotExists(lease);
      const first = await store.takeLease(lease, 'worker-a');
      assert.ok(first);
      const taken = await store.takeLease(first, 'worker-b');
      assert.equal(taken?.ownerSwitchesSinceCheckpoint, 2);
      const sequence = '49590338271490256608559692538361571095921575989136588898';
      const checkpointed = await store.checkpoint(lease.leaseKey, 'worker-b', sequence, 3);
      assert.deepEqual(checkpointed, {
        ...taken,
        checkpoint: sequence,
        checkpointSubSequenceNumber: 3,
        ownerSwitchesSinceCheckpoint: 0,
        leaseCounter: 3,
      });
      assert.deepEqual(await store.getLease(lease.leaseKey), checkpointed);
    });

    test('checkpoint by anyone but the owner fails and changes nothing', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000008', 'worker-a');
      assert.equal(await store.checkpoint(taken.leaseKey, 'worker-b', '123', 0), undefined);
      assert.equal(await store.checkpoint('shardId-000000000404', 'worker-a', '123', 0), undefined);
      assert.ok(await store.evictLease(taken.leaseKey, 'worker-a'));
      const released = await store.getLease(taken.leaseKey);
      assert.equal(await store.checkpoint(taken.leaseKey, 'worker-a', '123', 0), undefined, 'released');
      assert.deepEqual(await store.getLease(taken.leaseKey), released);
    });

    test('checkpoint succeeds whatever the counter: the owner renews concurrently', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000009', 'worker-a');
      const renewed = await store.renewLease(taken);
      assert.ok(renewed);
      const [checkpointed, renewedAgain] = await Promise.all([
        store.checkpoint(taken.leaseKey, 'worker-a', '1000', 0),
        store.renewLease(renewed),
      ]);
      assert.equal(checkpointed?.checkpoint, '1000');
      const stored = await store.getLease(taken.leaseKey);
      assert.equal(stored?.checkpoint, '1000');
      assert.equal(stored?.leaseCounter, renewed.leaseCounter + 1 + (renewedAgain === undefined ? 0 : 1));
    });

    test('checkpoint at SHARD_END writes childShardIds', async () => {
      const store = await open();
      const taken = await createTaken(store, 'shardId-000000000010', 'worker-a');
      const children = ['shardId-000000000011', 'shardId-000000000012'];
      const ended = await store.checkpoint(taken.leaseKey, 'worker-a', 'SHARD_END', 0, children);
      assert.deepEqual(ended?.childShardIds, children);
      assert.equal(ended?.checkpoint, 'SHARD_END');
      assert.deepEqual(await store.getLease(taken.leaseKey), ended);
      // A later checkpoint without children keeps them.
      const again = await store.checkpoint(taken.leaseKey, 'worker-a', 'SHARD_END', 0);
      assert.deepEqual(again?.childShardIds, children);
    });

    test('deleteLease removes a lease once', async () => {
      const store = await open();
      const lease = newLease('shardId-000000000013', { checkpoint: 'SHARD_END' });
      await store.createLeaseIfNotExists(lease);
      assert.equal(await store.deleteLease(lease.leaseKey), true);
      assert.equal(await store.getLease(lease.leaseKey), undefined);
      assert.equal(await store.deleteLease(lease.leaseKey), false);
      assert.deepEqual(await store.listLeases(), []);
      // The key can be used again.
      assert.equal(await store.createLeaseIfNotExists(lease), true);
    });

    test("two applications' leases do not see each other", async () => {
      const first = await open();
      const second = await open();
      const lease = newLease('shardId-000000000000', { checkpoint: 'TRIM_HORIZON' });
      assert.equal(await first.createLeaseIfNotExists(lease), true);
      assert.equal(await second.createLeaseIfNotExists({ ...lease, checkpoint: 'LATEST' }), true);
      const taken = await first.takeLease(lease, 'worker-a');
      assert.ok(taken);
      assert.equal((await second.getLease(lease.leaseKey))?.leaseOwner, undefined);
      assert.equal(await second.checkpoint(lease.leaseKey, 'worker-a', '5', 0), undefined);
      assert.equal(await second.deleteLease(lease.leaseKey), true);
      assert.deepEqual(await first.getLease(lease.leaseKey), taken);
      assert.deepEqual(await first.listLeases(), [taken]);
      assert.deepEqual(await second.listLeases(), []);
    });

    test('values round-trip exactly', async () => {
      const store = await open();
      const leases: Lease[] = [
        newLease('shardId-000000000000', {
          checkpoint: 'TRIM_HORIZON',
          startingHashKey: '0',
          endingHashKey: hashKeyMax,
        }),
        newLease('shardId-000000000001', {
          checkpoint: 'LATEST',
          parentShardIds: ['shardId-000000000000'],
          startingHashKey: '170141183460469231731687303715884105728',
          endingHashKey: hashKeyMax,
        }),
        newLease('shardId-000000000002', {
          checkpoint: 'AT_TIMESTAMP',
          parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
        }),
        {
          leaseKey: 'shardId-000000000003',
          leaseOwner: 'host-1.example:4f1e5a7b-0c2d-4e8f-9a1b-2c3d4e5f6a7b',
          leaseCounter: 9_007_199_254_740_000,
          // Kinesis sequence numbers exceed 2^64; they must survive as text, digit for digit.
          checkpoint: '49590338271490256608559692538361571095921575989136588898',
          checkpointSubSequenceNumber: 4_294_967_296,
          ownerSwitchesSinceCheckpoint: 7,
          parentShardIds: [],
          childShardIds: ['shardId-000000000004', 'shardId-000000000005'],
          startingHashKey: '0',
          endingHashKey: '0',
        },
        newLease('shardId-000000000006', { checkpoint: 'SHARD_END' }),
        newLease('shardId-000000000007', { checkpoint: '0' }),
      ];
      for (const lease of leases) assert.equal(await store.createLeaseIfNotExists(lease), true);
      for (const lease of leases) assert.deepEqual(await store.getLease(lease.leaseKey), lease);
      const listed = await store.listLeases();
      const byKey = (a: Lease, b: Lease): number => (a.leaseKey < b.leaseKey ? -1 : 1);
      assert.deepEqual([...listed].sort(byKey), leases);
      const big = leases[3] as Lease;
      const renewed = await store.renewLease(big);
      assert.deepEqual(renewed, { ...big, leaseCounter: big.leaseCounter + 1 });
    });

    test('a lease with undefined members, empty childShardIds and unsorted parents reads back canonical', async () => {
      const store = await open();
      const lease: Lease = {
        leaseKey: 'shardId-000000000020',
        leaseOwner: undefined,
        leaseCounter: 0,
        checkpoint: 'TRIM_HORIZON',
        checkpointSubSequenceNumber: 0,
        ownerSwitchesSinceCheckpoint: 0,
        // DynamoDB keeps shard id lists as sets: every store answers them sorted.
        parentShardIds: ['shardId-000000000019', 'shardId-000000000018'],
        childShardIds: [],
        startingHashKey: undefined,
        endingHashKey: undefined,
      };
      await store.createLeaseIfNotExists(lease);
      const stored = await store.getLease(lease.leaseKey);
      assert.deepEqual(stored, canonicalLease(lease));
      assert.deepEqual(stored?.parentShardIds, ['shardId-000000000018', 'shardId-000000000019']);
      assert.equal(stored !== undefined && 'childShardIds' in stored, false);
    });
  });
}

/** Creates a lease and takes it for `owner`: the usual starting point. */
async function createTaken(store: LeaseStore, leaseKey: string, owner: string): Promise<Lease> {
  const lease = newLease(leaseKey, { checkpoint: 'TRIM_HORIZON' });
  assert.equal(await store.createLeaseIfNotExists(lease), true);
  const taken = await store.takeLease(lease, owner);
  assert.ok(taken, 'the new lease is taken');
  return taken;
}
