/**
 * Acceptance: leases are as durable as stream metadata. A real server process on disk is killed
 * with SIGKILL right after acknowledging lease writes; after a restart every acknowledged write
 * is there, and a deleted table stays deleted.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fakeAuthorization, rawRequest } from '../../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { leasesTargetPrefix } from './model.js';

async function call(url: string, operation: string, input: unknown): Promise<Record<string, unknown>> {
  const response = await rawRequest(url, {
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `${leasesTargetPrefix}.${operation}`,
      'X-Amz-Date': '20260101T000000Z',
      Authorization: fakeAuthorization,
    },
    body: JSON.stringify(input),
  });
  const text = response.body.toString('utf8');
  assert.equal(response.statusCode, 200, `${operation} succeeds: ${text}`);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

const lease = (key: string, counter: number, owner: string) => ({
  LeaseKey: key,
  LeaseOwner: owner,
  LeaseCounter: counter,
  Checkpoint: '49590338271490256608559692538361571095921575989136588898',
  CheckpointSubSequenceNumber: 1,
  OwnerSwitchesSinceCheckpoint: 0,
  ParentShardIds: ['shardId-000000000000'],
});

describe('lease durability', () => {
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.stop();
  });

  test('acknowledged lease writes survive SIGKILL and restart', async () => {
    server = await startServerProcess();
    await call(server.url, 'CreateLeaseTable', { ApplicationName: 'kept-app' });
    await call(server.url, 'CreateLeaseTable', { ApplicationName: 'dropped-app' });
    await call(server.url, 'PutLease', { ApplicationName: 'dropped-app', Lease: lease('s-0', 0, 'w') });
    await call(server.url, 'DeleteLeaseTable', { ApplicationName: 'dropped-app' });
    const written = [];
    for (let index = 0; index < 20; index++) {
      const key = `shardId-${String(index).padStart(12, '0')}`;
      written.push(
        (
          await call(server.url, 'PutLease', {
            ApplicationName: 'kept-app',
            Lease: lease(key, index, `w-${index % 3}`),
          })
        ).Lease,
      );
    }
    // A conditional update acknowledged just before the kill.
    const last = lease('shardId-000000000000', 1, 'w-new');
    written[0] = (
      await call(server.url, 'PutLease', { ApplicationName: 'kept-app', Lease: last, ExpectedLeaseCounter: 0 })
    ).Lease;
    assert.equal(await server.kill('SIGKILL'), null);

    server = await server.restart();
    const listed = await call(server.url, 'ListLeases', { ApplicationName: 'kept-app' });
    assert.deepEqual(listed.Leases, written);
    const table = (await call(server.url, 'DescribeLeaseTable', { ApplicationName: 'kept-app' })).LeaseTable as {
      LeaseCount: number;
    };
    assert.equal(table.LeaseCount, 20);
    const tables = await call(server.url, 'ListLeaseTables', {});
    assert.deepEqual(tables.ApplicationNames, ['kept-app']);
  });
});
