/**
 * The native lease store against a real Tributary server process: the conformance suite on the
 * in-memory engine and on disk, and what only the native store has (fromKinesisClient, typed
 * errors, signing).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import {
  type CredentialsFile,
  type TestUser,
  writeCredentialsFile,
} from '@tributary/server/dist/testing/test-users.js';
import { LeaseStoreError, LeaseTableNotFoundError } from './lease-errors.js';
import { leaseStoreSuite } from './lease-store-suite.js';
import { newLease } from './lease-values.js';
import { NativeLeaseStore } from './native-lease-store.js';

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test-secret' };
let applicationIndex = 0;
const nextApplication = (): string => `app-${process.pid}-${applicationIndex++}`;

/** One server per storage mode, started on first use and stopped after the file's tests. */
function sharedServer(inMemory: boolean): () => Promise<ServerProcess> {
  let started: Promise<ServerProcess> | undefined;
  after(async () => {
    if (started) await (await started).stop();
  });
  return () => {
    started ??= startServerProcess({ inMemory });
    return started;
  };
}

function storeOn(server: ServerProcess, applicationName: string): NativeLeaseStore {
  return new NativeLeaseStore({ applicationName, endpoint: server.url, region: 'us-east-1', credentials });
}

for (const inMemory of [true, false]) {
  const server = sharedServer(inMemory);
  leaseStoreSuite(`native (${inMemory ? 'in memory' : 'on disk'})`, async () => {
    const running = await server();
    const applicationName = nextApplication();
    const stores = [storeOn(running, applicationName)];
    return {
      store: stores[0] as NativeLeaseStore,
      openPeer: async () => {
        const peer = storeOn(running, applicationName);
        stores.push(peer);
        return peer;
      },
      close: async () => {
        for (const store of stores) store.close();
      },
    };
  });
}

describe('NativeLeaseStore', () => {
  const server = sharedServer(true);

  test('fromKinesisClient uses the Kinesis client endpoint, region and credentials', async () => {
    const running = await server();
    const kinesis = new KinesisClient({ endpoint: running.url, region: 'us-east-1', credentials });
    const store = NativeLeaseStore.fromKinesisClient(kinesis, nextApplication());
    try {
      await store.ensureTable();
      const lease = newLease('shardId-000000000000', { checkpoint: 'TRIM_HORIZON' });
      assert.equal(await store.createLeaseIfNotExists(lease), true);
      assert.deepEqual(await store.listLeases(), [lease]);
    } finally {
      store.close();
      kinesis.destroy();
    }
  });

  test('fromKinesisClient refuses a client without an endpoint (AWS has no lease API)', () => {
    const kinesis = new KinesisClient({ region: 'us-east-1', credentials });
    assert.throws(() => NativeLeaseStore.fromKinesisClient(kinesis, 'app'), /explicit endpoint/);
    kinesis.destroy();
  });

  test('listLeases follows NextToken across pages (1,000 leases a page)', async () => {
    const store = storeOn(await server(), nextApplication());
    try {
      await store.ensureTable();
      const keys = Array.from({ length: 2_100 }, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
      for (let start = 0; start < keys.length; start += 100) {
        const batch = keys.slice(start, start + 100);
        await Promise.all(batch.map((key) => store.createLeaseIfNotExists(newLease(key, { checkpoint: 'LATEST' }))));
      }
      const listed = await store.listLeases();
      assert.deepEqual(
        listed.map((lease) => lease.leaseKey),
        keys,
      );
    } finally {
      store.close();
    }
  });

  test('calls before ensureTable reject with LeaseTableNotFoundError', async () => {
    const store = storeOn(await server(), nextApplication());
    try {
      await assert.rejects(store.listLeases(), LeaseTableNotFoundError);
      await assert.rejects(store.getLease('shardId-000000000000'), LeaseTableNotFoundError);
      await assert.rejects(
        store.createLeaseIfNotExists(newLease('shardId-000000000000', { checkpoint: 'LATEST' })),
        LeaseTableNotFoundError,
      );
    } finally {
      store.close();
    }
  });

  test('a lease the server refuses is a LeaseStoreError naming the problem', async () => {
    const store = storeOn(await server(), nextApplication());
    try {
      await store.ensureTable();
      const bad = newLease('shard/with/slashes', { checkpoint: 'not-a-sequence-number' });
      await assert.rejects(store.createLeaseIfNotExists(bad), (error: unknown) => {
        assert.ok(error instanceof LeaseStoreError);
        assert.equal(error.type, 'ValidationException');
        assert.equal(error.statusCode, 400);
        assert.equal(error.retryable, false);
        assert.match(error.message, /lease\.checkpoint/);
        assert.match(error.message, /lease\.leaseKey/);
        return true;
      });
    } finally {
      store.close();
    }
  });

  test('an unreachable server is a retryable NetworkError', async () => {
    const store = new NativeLeaseStore({
      applicationName: 'app',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      credentials,
    });
    await assert.rejects(store.getLease('x'), (error: unknown) => {
      assert.ok(error instanceof LeaseStoreError);
      assert.equal(error.type, 'NetworkError');
      assert.equal(error.retryable, true);
      return true;
    });
    store.close();
  });
});

describe('NativeLeaseStore with --auth sigv4 (--credentials)', () => {
  const leaser: TestUser = {
    name: 'leaser',
    accessKeyId: 'AKIALEASER0000000001',
    secretAccessKey: 'leaser-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'kinesis:*', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'tributary-leases:*',
          Resource: 'arn:aws:tributary-leases:us-east-1:000000000000:table/orders-*',
        },
      ],
    },
  };
  const streamsOnly: TestUser = {
    name: 'streams-only',
    accessKeyId: 'AKIASTREAMSONLY00001',
    secretAccessKey: 'streams-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbb',
    policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] },
  };
  let credentialsFile: CredentialsFile | undefined;
  let started: Promise<ServerProcess> | undefined;
  const server = (): Promise<ServerProcess> => {
    credentialsFile ??= writeCredentialsFile([leaser, streamsOnly]);
    const path = credentialsFile.path;
    started ??= startServerProcess({ inMemory: true, args: ['--credentials', path] });
    return started;
  };
  after(async () => {
    if (started) await (await started).stop();
    credentialsFile?.remove();
  });
  const storeAs = async (user: Pick<TestUser, 'accessKeyId' | 'secretAccessKey'>, applicationName: string) =>
    new NativeLeaseStore({
      applicationName,
      endpoint: (await server()).url,
      region: 'us-east-1',
      credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    });

  test('a user allowed tributary-leases:* on the table works', async () => {
    const store = await storeAs(leaser, 'orders-consumer');
    try {
      await store.ensureTable();
      const lease = newLease('shardId-000000000000', { checkpoint: 'TRIM_HORIZON' });
      assert.equal(await store.createLeaseIfNotExists(lease), true);
      assert.equal((await store.takeLease(lease, 'worker-a'))?.leaseOwner, 'worker-a');
    } finally {
      store.close();
    }
  });

  test('a wrong secret key is refused with InvalidSignatureException', async () => {
    const store = await storeAs(
      { accessKeyId: leaser.accessKeyId, secretAccessKey: 'not-the-secret' },
      'orders-consumer',
    );
    try {
      await assert.rejects(store.listLeases(), (error: unknown) => {
        assert.ok(error instanceof LeaseStoreError);
        assert.equal(error.type, 'InvalidSignatureException');
        assert.equal(error.statusCode, 400);
        return true;
      });
    } finally {
      store.close();
    }
  });

  test('an unknown access key is refused with UnrecognizedClientException', async () => {
    const store = await storeAs({ accessKeyId: 'AKIANOBODY0000000001', secretAccessKey: 'x' }, 'orders-consumer');
    try {
      await assert.rejects(
        store.listLeases(),
        (error: unknown) => error instanceof LeaseStoreError && error.type === 'UnrecognizedClientException',
      );
    } finally {
      store.close();
    }
  });

  test('kinesis:* alone does not reach leases, nor does a table outside the policy', async () => {
    const streams = await storeAs(streamsOnly, 'orders-consumer');
    const elsewhere = await storeAs(leaser, 'billing-consumer');
    try {
      for (const store of [streams, elsewhere]) {
        await assert.rejects(store.ensureTable(), (error: unknown) => {
          assert.ok(error instanceof LeaseStoreError);
          assert.equal(error.type, 'AccessDeniedException');
          assert.match(error.message, /tributary-leases:DescribeLeaseTable/);
          return true;
        });
      }
    } finally {
      streams.close();
      elsewhere.close();
    }
  });
});
