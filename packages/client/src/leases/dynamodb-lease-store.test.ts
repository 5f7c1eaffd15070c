/**
 * The DynamoDB lease store against dynalite (an in-memory DynamoDB in a child process): the
 * conformance suite, and the table and item layout KCL expects.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { type Dynalite, startDynalite } from '../testing/dynalite.js';
import { DynamoDbLeaseStore } from './dynamodb-lease-store.js';
import { LeaseTableNotFoundError } from './lease-errors.js';
import { leaseStoreSuite } from './lease-store-suite.js';
import { newLease } from './lease-values.js';

let started: Promise<Dynalite> | undefined;
const dynalite = (): Promise<Dynalite> => {
  started ??= startDynalite();
  return started;
};
after(async () => {
  if (started) await (await started).stop();
});
let applicationIndex = 0;
const nextApplication = (): string => `dynamo-app-${applicationIndex++}`;

leaseStoreSuite('DynamoDB (dynalite)', async () => {
  const running = await dynalite();
  const applicationName = nextApplication();
  return {
    store: new DynamoDbLeaseStore({ client: running.client(), applicationName }),
    openPeer: async () => new DynamoDbLeaseStore({ client: running.client(), applicationName }),
    close: async () => {},
  };
});

describe('DynamoDbLeaseStore', () => {
  test('creates a PAY_PER_REQUEST table named after the application, keyed by leaseKey', async () => {
    const running = await dynalite();
    const client = running.client();
    const store = new DynamoDbLeaseStore({ client, applicationName: nextApplication() });
    await store.ensureTable();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: store.tableName }));
    assert.equal(Table?.TableStatus, 'ACTIVE');
    assert.deepEqual(Table?.KeySchema, [{ AttributeName: 'leaseKey', KeyType: 'HASH' }]);
    assert.deepEqual(Table?.AttributeDefinitions, [{ AttributeName: 'leaseKey', AttributeType: 'S' }]);
    assert.equal(Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  });

  test('tableName overrides the application name', async () => {
    const running = await dynalite();
    const store = new DynamoDbLeaseStore({
      client: running.client(),
      applicationName: 'x',
      tableName: 'custom-leases',
    });
    assert.equal(store.tableName, 'custom-leases');
    await store.ensureTable();
    assert.deepEqual(await store.listLeases(), []);
  });

  test("items use KCL's attribute names and types; empty sets are absent", async () => {
    const running = await dynalite();
    const client = running.client();
    const store = new DynamoDbLeaseStore({ client, applicationName: nextApplication() });
    await store.ensureTable();
    const lease = newLease('shardId-000000000002', {
      checkpoint: 'TRIM_HORIZON',
      parentShardIds: ['shardId-000000000000', 'shardId-000000000001'],
      startingHashKey: '0',
      endingHashKey: '340282366920938463463374607431768211455',
    });
    await store.createLeaseIfNotExists(lease);
    const taken = await store.takeLease(lease, 'worker-a');
    assert.ok(taken);
    await store.checkpoint(lease.leaseKey, 'worker-a', 'SHARD_END', 0, ['shardId-000000000003']);
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { leaseKey: { S: lease.leaseKey } },
        ConsistentRead: true,
      }),
    );
    assert.deepEqual(Item, {
      leaseKey: { S: 'shardId-000000000002' },
      leaseOwner: { S: 'worker-a' },
      leaseCounter: { N: '2' },
      checkpoint: { S: 'SHARD_END' },
      checkpointSubSequenceNumber: { N: '0' },
      ownerSwitchesSinceCheckpoint: { N: '0' },
      parentShardId: { SS: ['shardId-000000000000', 'shardId-000000000001'] },
      childShardIds: { SS: ['shardId-000000000003'] },
      startingHashKey: { S: '0' },
      endingHashKey: { S: '340282366920938463463374607431768211455' },
    });
    await store.createLeaseIfNotExists(newLease('shardId-000000000009', { checkpoint: 'LATEST' }));
    const bare = await client.send(
      new GetItemCommand({
        TableName: store.tableName,
        Key: { leaseKey: { S: 'shardId-000000000009' } },
        ConsistentRead: true,
      }),
    );
    assert.deepEqual(Object.keys(bare.Item ?? {}).sort(), [
      'checkpoint',
      'checkpointSubSequenceNumber',
      'leaseCounter',
      'leaseKey',
      'ownerSwitchesSinceCheckpoint',
    ]);
  });

  test('listLeases follows Scan pages', async () => {
    const running = await dynalite();
    const store = new DynamoDbLeaseStore({ client: running.client(), applicationName: nextApplication() });
    await store.ensureTable();
    // Items of ~40 KB make Scan pages (1 MB) end after about 25 items.
    const owner = 'o'.repeat(40_000);
    const keys = Array.from({ length: 60 }, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
    await Promise.all(
      keys.map((key) =>
        store.createLeaseIfNotExists({ ...newLease(key, { checkpoint: 'LATEST' }), leaseOwner: owner }),
      ),
    );
    const listed = await store.listLeases();
    assert.deepEqual(listed.map((lease) => lease.leaseKey).sort(), keys);
  });

  test('calls before ensureTable reject with LeaseTableNotFoundError', async () => {
    const running = await dynalite();
    const store = new DynamoDbLeaseStore({ client: running.client(), applicationName: nextApplication() });
    await assert.rejects(store.listLeases(), LeaseTableNotFoundError);
    await assert.rejects(store.getLease('shardId-000000000000'), LeaseTableNotFoundError);
  });
});
