import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Lease } from '../leases/lease-store.js';
import { newLease } from '../leases/lease-values.js';
import { planTake } from './balance.js';

function leases(owners: ReadonlyArray<string | undefined>, checkpoint = 'TRIM_HORIZON'): Lease[] {
  return owners.map((owner, index) => ({
    ...newLease(`shardId-${String(index).padStart(12, '0')}`, { checkpoint }),
    ...(owner === undefined ? {} : { leaseOwner: owner }),
  }));
}

const noExpiry = (): boolean => false;
const firstChoice = (): number => 0;

describe('planTake (KCL lease-taker rules)', () => {
  test('a lone worker takes every unowned lease', () => {
    const plan = planTake({
      leases: leases([undefined, undefined, undefined]),
      workerId: 'a',
      held: new Set(),
      isExpired: noExpiry,
      random: firstChoice,
    });
    assert.equal(plan.available.length, 3);
    assert.equal(plan.target, 3);
  });

  test('takes expired leases first, only up to its share', () => {
    const all = leases(['dead', 'dead', 'dead', 'dead', 'b', 'b']);
    const plan = planTake({
      leases: all,
      workerId: 'a',
      held: new Set(),
      isExpired: (lease) => lease.leaseOwner === 'dead',
      random: firstChoice,
    });
    // Live workers: a and b; 6 leases → 3 each; a holds none.
    assert.equal(plan.target, 3);
    assert.equal(plan.available.length, 3);
    assert.ok(plan.available.every((lease) => lease.leaseOwner === 'dead'));
    assert.equal(plan.steal, undefined);
  });

  test('a new worker steals one lease per pass from the most loaded worker', () => {
    const all = leases(['b', 'b', 'b', 'b', 'c', 'c', 'c', 'c']);
    const plan = planTake({ leases: all, workerId: 'a', held: new Set(), isExpired: noExpiry, random: firstChoice });
    assert.equal(plan.target, 3);
    assert.deepEqual(plan.available, []);
    assert.ok(plan.steal !== undefined && plan.steal.leaseOwner === 'b');
  });

  test('no stealing once the split is even (2, 3, 3 of 8)', () => {
    const all = leases(['a', 'a', 'b', 'b', 'b', 'c', 'c', 'c']);
    const plan = planTake({
      leases: all,
      workerId: 'a',
      held: new Set(['shardId-000000000000', 'shardId-000000000001']),
      isExpired: noExpiry,
      random: firstChoice,
    });
    assert.equal(plan.steal, undefined);
    assert.deepEqual(plan.available, []);
  });

  test('steals at the target when it needs more than one (2, 2, 0 of 4)', () => {
    const all = leases(['b', 'b', 'c', 'c']);
    const plan = planTake({ leases: all, workerId: 'a', held: new Set(), isExpired: noExpiry, random: firstChoice });
    assert.equal(plan.target, 2);
    assert.ok(plan.steal !== undefined);
  });

  test('finished leases (SHARD_END) are never taken and count for nobody', () => {
    const finished = leases([undefined, undefined], 'SHARD_END');
    const plan = planTake({
      leases: finished,
      workerId: 'a',
      held: new Set(),
      isExpired: noExpiry,
      random: firstChoice,
    });
    assert.deepEqual(plan.available, []);
    assert.equal(plan.target, 0);
  });

  test('a lease the store shows as this worker’s but that it does not hold is available again', () => {
    const plan = planTake({
      leases: leases(['a']),
      workerId: 'a',
      held: new Set(),
      isExpired: noExpiry,
      random: firstChoice,
    });
    assert.equal(plan.available.length, 1);
  });

  test('repeated passes of three workers over 8 leases converge on 3, 3, 2', () => {
    const owners = new Map<string, string | undefined>(
      leases(Array(8).fill(undefined)).map((lease) => [lease.leaseKey, undefined]),
    );
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let pass = 0; pass < 10; pass++) {
      for (const worker of ['a', 'b', 'c']) {
        const current = [...owners].map(([key, owner]) => ({
          ...newLease(key, { checkpoint: 'TRIM_HORIZON' }),
          ...(owner === undefined ? {} : { leaseOwner: owner }),
        }));
        const held = new Set(current.filter((lease) => lease.leaseOwner === worker).map((lease) => lease.leaseKey));
        const plan = planTake({ leases: current, workerId: worker, held, isExpired: noExpiry, random });
        for (const lease of [...plan.available, ...(plan.steal === undefined ? [] : [plan.steal])])
          owners.set(lease.leaseKey, worker);
      }
    }
    const counts = ['a', 'b', 'c']
      .map((worker) => [...owners.values()].filter((owner) => owner === worker).length)
      .sort();
    assert.deepEqual(counts, [2, 3, 3]);
  });
});
