/**
 * The lease tables in this process over the memory MetaStore: the concurrency rules (one change
 * per key at a time, DeleteLeaseTable waiting for writes in flight), clean-up at load, limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceError } from '../../protocol/service-error.js';
import { MemoryMetaStore } from '../../storage/embedded/memory-meta-store.js';
import { type LeaseDecision, LeaseTables, leaseLimits, type StoredLease } from './lease-tables.js';
import { createLeasesService } from './service.js';

const clock = () => Date.UTC(2026, 10, 26);

function lease(leaseKey: string, extra: Partial<StoredLease> = {}): StoredLease {
  return {
    leaseKey,
    leaseCounter: 0,
    checkpoint: 'TRIM_HORIZON',
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    ...extra,
  };
}

async function refusal(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded but should have failed');
}

describe('LeaseTables', () => {
  test('concurrent changes of one lease run one at a time: one take per counter value', async () => {
    const tables = new LeaseTables(new MemoryMetaStore(), clock);
    await tables.create('app');
    await tables.change('app', 's', () => ({ kind: 'put', lease: lease('s') }));
    const take =
      (owner: string) =>
      (stored: StoredLease | undefined): LeaseDecision =>
        stored?.leaseCounter === 0
          ? { kind: 'put', lease: lease('s', { leaseOwner: owner, leaseCounter: 1 }) }
          : { kind: 'refuse' };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => tables.change('app', 's', take(`w${index}`))),
    );
    assert.equal(results.filter((result) => result.kind === 'done').length, 1);
    assert.equal(results.filter((result) => result.kind === 'condition-failed').length, 49);
  });

  test('DeleteLeaseTable waits for writes in flight and leaves no lease behind', async () => {
    const meta = new MemoryMetaStore();
    const tables = new LeaseTables(meta, clock);
    await tables.create('app');
    const writes = Array.from({ length: 200 }, (_, index) =>
      tables.change('app', `s-${index}`, () => ({ kind: 'put', lease: lease(`s-${index}`) })),
    );
    const deleted = tables.delete('app');
    const results = await Promise.all(writes);
    assert.equal(await deleted, true);
    assert.ok(
      results.some((result) => result.kind === 'done'),
      'some writes ran before the delete',
    );
    assert.deepEqual(meta.list('lease/'), []);
    assert.equal(tables.find('app'), undefined);
    // Writes arriving after the delete find no table.
    const late = await tables.change('app', 's', () => ({ kind: 'put', lease: lease('s') }));
    assert.equal(late.kind, 'no-table');
  });

  test('at load, leases of a deleted table (a crash half-way through a delete) are removed', async () => {
    const meta = new MemoryMetaStore();
    const first = new LeaseTables(meta, clock);
    await first.create('app');
    await first.change('app', 'old', () => ({ kind: 'put', lease: lease('old') }));
    // What a crash between removing the table document and removing its leases leaves behind.
    await meta.remove('leasetable/app');
    const second = new LeaseTables(meta, clock);
    await second.load();
    assert.deepEqual(meta.list('lease/'), []);
    // And a new table of the same name never sees an older incarnation's lease.
    await second.create('app');
    await meta.put('lease/app/stale', { tableId: 'an-older-table', lease: lease('stale') });
    const table = second.find('app');
    assert.ok(table);
    assert.equal(second.lease(table, 'stale'), undefined);
    assert.deepEqual(second.leases(table), []);
    const third = new LeaseTables(meta, clock);
    await third.load();
    assert.equal(third.find('app')?.leaseCount, 0);
    assert.deepEqual(meta.list('lease/'), []);
  });

  test('load counts each table’s leases', async () => {
    const meta = new MemoryMetaStore();
    const first = new LeaseTables(meta, clock);
    await first.create('app-a');
    await first.create('app-b');
    for (const key of ['1', '2', '3']) await first.change('app-a', key, () => ({ kind: 'put', lease: lease(key) }));
    await first.change('app-b', '1', () => ({ kind: 'put', lease: lease('1') }));
    const second = new LeaseTables(meta, clock);
    await second.load();
    assert.equal(second.find('app-a')?.leaseCount, 3);
    assert.equal(second.find('app-b')?.leaseCount, 1);
    assert.deepEqual(second.names(), ['app-a', 'app-b']);
  });
});

describe('lease limits', () => {
  test(`at most ${leaseLimits.leasesPerTableMax} leases per table: LimitExceededException`, async () => {
    const service = await createLeasesService({
      meta: new MemoryMetaStore(),
      region: 'us-east-1',
      accountId: '0',
      clock,
    });
    await service.invoke('CreateLeaseTable', { ApplicationName: 'app' });
    const put = (key: string) =>
      service.invoke('PutLease', {
        ApplicationName: 'app',
        Lease: {
          LeaseKey: key,
          LeaseCounter: 0,
          Checkpoint: 'LATEST',
          CheckpointSubSequenceNumber: 0,
          OwnerSwitchesSinceCheckpoint: 0,
        },
      });
    for (let index = 0; index < leaseLimits.leasesPerTableMax; index++) await put(`s-${index}`);
    const error = await refusal(put('one-more'));
    assert.equal(error.type, 'LimitExceededException');
    assert.equal(
      error.message,
      `Lease table app holds at most ${leaseLimits.leasesPerTableMax} leases; delete some first.`,
    );
    // Replacing an existing lease is no new lease.
    await put('s-0');
    await service.invoke('DeleteLease', { ApplicationName: 'app', LeaseKey: 's-0' });
    await put('one-more');
  });

  test(`at most ${leaseLimits.tablesMax} tables: LimitExceededException`, async () => {
    const service = await createLeasesService({
      meta: new MemoryMetaStore(),
      region: 'us-east-1',
      accountId: '0',
      clock,
    });
    for (let index = 0; index < leaseLimits.tablesMax; index++) {
      await service.invoke('CreateLeaseTable', { ApplicationName: `app-${index}` });
    }
    const error = await refusal(service.invoke('CreateLeaseTable', { ApplicationName: 'one-more' }));
    assert.equal(error.type, 'LimitExceededException');
    await service.invoke('DeleteLeaseTable', { ApplicationName: 'app-0' });
    await service.invoke('CreateLeaseTable', { ApplicationName: 'one-more' });
  });

  test('authorization: the action and the table ARN', () => {
    return createLeasesService({
      meta: new MemoryMetaStore(),
      region: 'eu-west-1',
      accountId: '123456789012',
      clock,
    }).then((service) => {
      assert.equal(service.authorization?.actionPrefix, 'tributary-leases');
      assert.equal(service.authorization?.signingName, 'kinesis');
      assert.equal(
        service.authorization?.resourceArn('PutLease', { ApplicationName: 'orders' }),
        'arn:aws:tributary-leases:eu-west-1:123456789012:table/orders',
      );
      assert.equal(service.authorization?.resourceArn('ListLeaseTables', {}), '*');
    });
  });
});
