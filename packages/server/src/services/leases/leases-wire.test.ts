/**
 * The lease extension API (TributaryLeases_20261126) through a real server process, one group per
 * operation: serialization, validation and behaviour, as the Kinesis operation tests are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cbor as smithyCbor } from '@smithy/core/cbor';
import { Encoder } from 'cbor-x';
import { fakeAuthorization, rawRequest } from '../../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../../testing/server-process.js';
import { leasesTargetPrefix } from './model.js';

interface Answer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  readonly text: string;
}

const jsonType = 'application/x-amz-json-1.1';
const cborType = 'application/x-amz-cbor-1.1';
const hashKeyMax = ((1n << 128n) - 1n).toString();

function headers(operation: string, contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'X-Amz-Target': `${leasesTargetPrefix}.${operation}`,
    'X-Amz-Date': '20260101T000000Z',
    Authorization: fakeAuthorization,
  };
}

const lease = (key: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  LeaseKey: key,
  LeaseCounter: 0,
  Checkpoint: 'TRIM_HORIZON',
  CheckpointSubSequenceNumber: 0,
  OwnerSwitchesSinceCheckpoint: 0,
  ParentShardIds: [],
  ...extra,
});

describe('TributaryLeases_20261126', () => {
  let server: ServerProcess;
  let tableIndex = 0;
  const call = async (operation: string, input: unknown): Promise<Answer> => {
    const response = await rawRequest(server.url, {
      headers: headers(operation, jsonType),
      body: typeof input === 'string' ? input : JSON.stringify(input),
    });
    const text = response.body.toString('utf8');
    return { statusCode: response.statusCode, body: text === '' ? {} : JSON.parse(text), text };
  };
  const ok = async (operation: string, input: unknown): Promise<Record<string, unknown>> => {
    const answer = await call(operation, input);
    assert.equal(answer.statusCode, 200, `${operation} succeeds: ${answer.text}`);
    return answer.body;
  };
  const fails = async (operation: string, input: unknown, type: string, message?: string | RegExp) => {
    const answer = await call(operation, input);
    assert.equal(answer.statusCode, 400, `${operation} answers 400: ${answer.text}`);
    assert.equal(answer.body.__type, type);
    const text = String(answer.body.message ?? answer.body.Message);
    if (typeof message === 'string') assert.equal(text, message);
    else if (message !== undefined) assert.match(text, message);
  };
  const newTable = async (): Promise<string> => {
    const name = `table-${tableIndex++}`;
    await ok('CreateLeaseTable', { ApplicationName: name });
    return name;
  };

  before(async () => {
    server = await startServerProcess({ inMemory: true });
  });
  after(async () => {
    await server.stop();
  });

  describe('serialization and validation', () => {
    test('an unknown operation under the prefix is UnknownOperationException', async () => {
      const answer = await call('ListStreams', {});
      assert.equal(answer.body.__type, 'UnknownOperationException');
    });

    test('a wrong type is SerializationException with Coral wording', async () => {
      await fails(
        'CreateLeaseTable',
        { ApplicationName: 5 },
        'SerializationException',
        'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
      );
      await fails(
        'PutLease',
        { ApplicationName: 'app', Lease: lease('s', { LeaseCounter: '1' }) },
        'SerializationException',
        'class java.lang.String can not be converted to an Long',
      );
      await fails('PutLease', { ApplicationName: 'app', Lease: [] }, 'SerializationException', /list/);
    });

    test('a missing or malformed ApplicationName is a ValidationException naming it', async () => {
      await fails(
        'DescribeLeaseTable',
        {},
        'ValidationException',
        "1 validation error detected: Value null at 'applicationName' failed to satisfy constraint: Member must not be null",
      );
      await fails(
        'CreateLeaseTable',
        { ApplicationName: 'a/b' },
        'ValidationException',
        "1 validation error detected: Value 'a/b' at 'applicationName' failed to satisfy constraint: " +
          'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+',
      );
      await fails(
        'CreateLeaseTable',
        { ApplicationName: 'ab' },
        'ValidationException',
        /length greater than or equal to 3/,
      );
      await fails(
        'CreateLeaseTable',
        { ApplicationName: 'a'.repeat(256) },
        'ValidationException',
        /length less than or equal to 255/,
      );
    });

    test('GetLease and DeleteLease need a well-formed LeaseKey', async () => {
      const missing =
        "1 validation error detected: Value null at 'leaseKey' failed to satisfy constraint: Member must not be null";
      await fails('GetLease', { ApplicationName: 'app' }, 'ValidationException', missing);
      await fails('DeleteLease', { ApplicationName: 'app' }, 'ValidationException', missing);
      await fails(
        'GetLease',
        { ApplicationName: 'app', LeaseKey: 'a/b' },
        'ValidationException',
        "1 validation error detected: Value 'a/b' at 'leaseKey' failed to satisfy constraint: " +
          'Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+',
      );
      await fails(
        'GetLease',
        { ApplicationName: 'app', LeaseKey: 'k'.repeat(257) },
        'ValidationException',
        /less than or equal to 256/,
      );
    });

    test('a lease with bad members lists every violation', async () => {
      const answer = await call('PutLease', {
        ApplicationName: 'app',
        Lease: {
          LeaseKey: '',
          LeaseCounter: -1,
          Checkpoint: 'NOWHERE',
          OwnerSwitchesSinceCheckpoint: 0,
          ParentShardIds: ['a', 'b', 'c'],
          StartingHashKey: '-1',
        },
      });
      assert.equal(answer.body.__type, 'ValidationException');
      const message = String(answer.body.message);
      assert.match(message, /^7 validation errors detected: /);
      for (const path of [
        "'lease.leaseKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
        "'lease.leaseCounter' failed to satisfy constraint: Member must have value greater than or equal to 0",
        "'lease.checkpoint' failed to satisfy constraint: Member must satisfy regular expression pattern",
        "at 'lease.checkpointSubSequenceNumber' failed to satisfy constraint: Member must not be null",
        "'lease.parentShardIds' failed to satisfy constraint: Member must have length less than or equal to 2",
        "'lease.startingHashKey' failed to satisfy constraint: Member must satisfy regular expression pattern",
      ]) {
        assert.ok(message.includes(path), `${message}\nmentions ${path}`);
      }
    });

    test('a lease owner is free text without control characters', async () => {
      const name = await newTable();
      const owner = 'host name.example:4f1e5a7b-0c2d-4e8f-9a1b-2c3d4e5f6a7b:ü';
      const answer = await ok('PutLease', { ApplicationName: name, Lease: lease('s', { LeaseOwner: owner }) });
      assert.equal((answer.Lease as { LeaseOwner: string }).LeaseOwner, owner);
      await fails(
        'PutLease',
        { ApplicationName: name, Lease: lease('s', { LeaseOwner: 'worker\n1' }) },
        'ValidationException',
        /'lease\.leaseOwner' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      );
    });

    test('a counter beyond 2^53 - 1 is refused', async () => {
      await fails(
        'PutLease',
        { ApplicationName: 'app', Lease: lease('s', { LeaseCounter: 2 ** 53 }) },
        'ValidationException',
        /lease\.leaseCounter' failed to satisfy constraint: Member must have value less than or equal to 9007199254740991/,
      );
    });

    test('an empty body is SerializationException, a body that is no JSON too', async () => {
      const empty = await call('GetLease', '');
      assert.equal(empty.body.__type, 'SerializationException');
      const garbage = await call('GetLease', '{not json');
      assert.equal(garbage.body.__type, 'SerializationException');
    });
  });

  describe('CreateLeaseTable, DescribeLeaseTable, DeleteLeaseTable, ListLeaseTables', () => {
    test('creates an ACTIVE table, then refuses a second with ResourceInUseException', async () => {
      const created = await ok('CreateLeaseTable', { ApplicationName: 'orders-app' });
      const table = created.LeaseTable as Record<string, unknown>;
      assert.equal(table.ApplicationName, 'orders-app');
      assert.equal(table.TableStatus, 'ACTIVE');
      assert.equal(table.LeaseCount, 0);
      assert.equal(typeof table.CreationTimestamp, 'number');
      await fails(
        'CreateLeaseTable',
        { ApplicationName: 'orders-app' },
        'ResourceInUseException',
        'Lease table orders-app already exists.',
      );
      const described = await ok('DescribeLeaseTable', { ApplicationName: 'orders-app' });
      assert.deepEqual(described.LeaseTable, table);
    });

    test('an unknown table is ResourceNotFoundException for every operation', async () => {
      const message = 'Lease table nowhere-app not found.';
      const name = { ApplicationName: 'nowhere-app' };
      await fails('DescribeLeaseTable', name, 'ResourceNotFoundException', message);
      await fails('DeleteLeaseTable', name, 'ResourceNotFoundException', message);
      await fails('ListLeases', name, 'ResourceNotFoundException', message);
      await fails('GetLease', { ...name, LeaseKey: 's' }, 'ResourceNotFoundException', message);
      await fails('PutLease', { ...name, Lease: lease('s') }, 'ResourceNotFoundException', message);
      await fails('DeleteLease', { ...name, LeaseKey: 's' }, 'ResourceNotFoundException', message);
    });

    test('DeleteLeaseTable removes the table and its leases; a new table of that name starts empty', async () => {
      const name = await newTable();
      await ok('PutLease', { ApplicationName: name, Lease: lease('shard-1') });
      await ok('DeleteLeaseTable', { ApplicationName: name });
      await fails('GetLease', { ApplicationName: name, LeaseKey: 'shard-1' }, 'ResourceNotFoundException');
      await ok('CreateLeaseTable', { ApplicationName: name });
      assert.deepEqual(await ok('ListLeases', { ApplicationName: name }), { Leases: [] });
      assert.deepEqual(await ok('GetLease', { ApplicationName: name, LeaseKey: 'shard-1' }), {});
    });

    test('DeleteLeaseTable answers an empty body', async () => {
      const name = await newTable();
      const answer = await call('DeleteLeaseTable', { ApplicationName: name });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.text, '');
    });

    test('ListLeaseTables pages through every table name in order', async () => {
      const names = new Set<string>();
      let token: string | undefined;
      for (let page = 0; page < 100; page++) {
        const answer = await ok('ListLeaseTables', { Limit: 2, ...(token ? { NextToken: token } : {}) });
        const listed = answer.ApplicationNames as string[];
        assert.ok(listed.length <= 2);
        for (const name of listed) names.add(name);
        token = answer.NextToken as string | undefined;
        if (token === undefined) break;
      }
      assert.equal(token, undefined, 'the listing ends');
      assert.ok(names.has('orders-app'));
      const all = (await ok('ListLeaseTables', {})).ApplicationNames as string[];
      assert.deepEqual([...names].sort(), all);
      await fails('ListLeaseTables', { NextToken: 'garbage' }, 'InvalidArgumentException', 'Invalid NextToken.');
    });
  });

  describe('PutLease', () => {
    test('stores a lease and answers it; LeaseCount counts it', async () => {
      const name = await newTable();
      const stored = lease('shardId-000000000000', {
        LeaseOwner: 'worker-1',
        LeaseCounter: 3,
        Checkpoint: '49590338271490256608559692538361571095921575989136588898',
        CheckpointSubSequenceNumber: 2,
        ParentShardIds: ['shardId-000000000001', 'shardId-000000000002'],
        ChildShardIds: ['shardId-000000000003'],
        StartingHashKey: '0',
        EndingHashKey: hashKeyMax,
      });
      assert.deepEqual(await ok('PutLease', { ApplicationName: name, Lease: stored }), { Lease: stored });
      assert.deepEqual(await ok('GetLease', { ApplicationName: name, LeaseKey: 'shardId-000000000000' }), {
        Lease: stored,
      });
      const table = (await ok('DescribeLeaseTable', { ApplicationName: name })).LeaseTable as { LeaseCount: number };
      assert.equal(table.LeaseCount, 1);
    });

    test('ExpectNotExists fails with ConditionalCheckFailedException when the lease exists', async () => {
      const name = await newTable();
      const input = { ApplicationName: name, Lease: lease('s-1'), ExpectNotExists: true };
      await ok('PutLease', input);
      await fails('PutLease', input, 'ConditionalCheckFailedException', 'The conditional request failed');
    });

    test('ExpectedLeaseCounter and ExpectedLeaseOwner must both hold', async () => {
      const name = await newTable();
      await ok('PutLease', { ApplicationName: name, Lease: lease('s-1', { LeaseOwner: 'a', LeaseCounter: 5 }) });
      const next = lease('s-1', { LeaseOwner: 'a', LeaseCounter: 6 });
      const put = (condition: Record<string, unknown>) => ({ ApplicationName: name, Lease: next, ...condition });
      await fails('PutLease', put({ ExpectedLeaseCounter: 4 }), 'ConditionalCheckFailedException');
      await fails('PutLease', put({ ExpectedLeaseOwner: 'b' }), 'ConditionalCheckFailedException');
      await fails(
        'PutLease',
        put({ ExpectedLeaseCounter: 5, ExpectedLeaseOwner: 'b' }),
        'ConditionalCheckFailedException',
      );
      await ok('PutLease', put({ ExpectedLeaseCounter: 5, ExpectedLeaseOwner: 'a' }));
      await fails('PutLease', put({ ExpectedLeaseCounter: 5 }), 'ConditionalCheckFailedException');
      // A missing lease meets no expectation.
      await fails(
        'PutLease',
        { ApplicationName: name, Lease: lease('s-404'), ExpectedLeaseCounter: 0 },
        'ConditionalCheckFailedException',
      );
      const stored = await ok('GetLease', { ApplicationName: name, LeaseKey: 's-1' });
      assert.deepEqual(stored, { Lease: next });
    });

    test('concurrent puts expecting the same counter: exactly one wins', async () => {
      const name = await newTable();
      await ok('PutLease', { ApplicationName: name, Lease: lease('s-1') });
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, worker) =>
          call('PutLease', {
            ApplicationName: name,
            Lease: lease('s-1', { LeaseOwner: `worker-${worker}`, LeaseCounter: 1 }),
            ExpectedLeaseCounter: 0,
          }),
        ),
      );
      assert.equal(answers.filter((answer) => answer.statusCode === 200).length, 1);
      assert.ok(
        answers.every(
          (answer) => answer.statusCode === 200 || answer.body.__type === 'ConditionalCheckFailedException',
        ),
      );
    });

    test('contradictory conditions and bad hash keys are InvalidArgumentException', async () => {
      const name = await newTable();
      await fails(
        'PutLease',
        { ApplicationName: name, Lease: lease('s'), ExpectNotExists: true, ExpectedLeaseCounter: 0 },
        'InvalidArgumentException',
        'ExpectNotExists excludes ExpectedLeaseCounter and ExpectedLeaseOwner.',
      );
      const tooBig = (1n << 128n).toString();
      await fails(
        'PutLease',
        { ApplicationName: name, Lease: lease('s', { EndingHashKey: tooBig }) },
        'InvalidArgumentException',
        `EndingHashKey must be in the range [0, 2^128-1]. Specified value was ${tooBig}.`,
      );
      await fails(
        'PutLease',
        { ApplicationName: name, Lease: lease('s', { StartingHashKey: '10', EndingHashKey: '9' }) },
        'InvalidArgumentException',
        'StartingHashKey 10 must not be greater than EndingHashKey 9.',
      );
      assert.deepEqual(await ok('ListLeases', { ApplicationName: name }), { Leases: [] });
    });

    test('an empty ChildShardIds is stored as absent, optional counts default to 0', async () => {
      const name = await newTable();
      const answer = await ok('PutLease', {
        ApplicationName: name,
        Lease: {
          LeaseKey: 's',
          LeaseCounter: 0,
          Checkpoint: 'LATEST',
          CheckpointSubSequenceNumber: 0,
          OwnerSwitchesSinceCheckpoint: 0,
          ChildShardIds: [],
        },
      });
      assert.deepEqual(answer.Lease, lease('s', { Checkpoint: 'LATEST' }));
    });
  });

  describe('GetLease, ListLeases, DeleteLease', () => {
    test('GetLease of a missing lease answers no Lease', async () => {
      const name = await newTable();
      assert.deepEqual(await ok('GetLease', { ApplicationName: name, LeaseKey: 'nothing' }), {});
    });

    test('ListLeases pages in key order with NextToken, bound to its table', async () => {
      const name = await newTable();
      const keys = Array.from({ length: 7 }, (_, index) => `shardId-${String(index).padStart(12, '0')}`);
      for (const key of [...keys].reverse()) await ok('PutLease', { ApplicationName: name, Lease: lease(key) });
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const answer = await ok('ListLeases', {
          ApplicationName: name,
          Limit: 3,
          ...(token ? { NextToken: token } : {}),
        });
        seen.push(...(answer.Leases as Array<{ LeaseKey: string }>).map((item) => item.LeaseKey));
        token = answer.NextToken as string | undefined;
        pages++;
      } while (token !== undefined && pages < 10);
      assert.deepEqual(seen, keys);
      assert.equal(pages, 3);
      const firstPage = await ok('ListLeases', { ApplicationName: name, Limit: 3 });
      const other = await newTable();
      await fails(
        'ListLeases',
        { ApplicationName: other, NextToken: firstPage.NextToken },
        'InvalidArgumentException',
        'Invalid NextToken.',
      );
      await fails('ListLeases', { ApplicationName: name, NextToken: '!!!' }, 'InvalidArgumentException');
      await fails(
        'ListLeases',
        { ApplicationName: name, Limit: 0 },
        'ValidationException',
        /greater than or equal to 1/,
      );
      await fails(
        'ListLeases',
        { ApplicationName: name, Limit: 1001 },
        'ValidationException',
        /less than or equal to 1000/,
      );
    });

    test('DeleteLease answers the removed lease, then nothing; conditions apply', async () => {
      const name = await newTable();
      const stored = lease('s-1', { LeaseOwner: 'a', LeaseCounter: 2 });
      await ok('PutLease', { ApplicationName: name, Lease: stored });
      await fails(
        'DeleteLease',
        { ApplicationName: name, LeaseKey: 's-1', ExpectedLeaseCounter: 1 },
        'ConditionalCheckFailedException',
      );
      await fails(
        'DeleteLease',
        { ApplicationName: name, LeaseKey: 's-1', ExpectedLeaseOwner: 'b' },
        'ConditionalCheckFailedException',
      );
      assert.deepEqual(
        await ok('DeleteLease', {
          ApplicationName: name,
          LeaseKey: 's-1',
          ExpectedLeaseCounter: 2,
          ExpectedLeaseOwner: 'a',
        }),
        { Lease: stored },
      );
      assert.deepEqual(await ok('DeleteLease', { ApplicationName: name, LeaseKey: 's-1' }), {});
      await fails(
        'DeleteLease',
        { ApplicationName: name, LeaseKey: 's-1', ExpectedLeaseCounter: 2 },
        'ConditionalCheckFailedException',
      );
      const table = (await ok('DescribeLeaseTable', { ApplicationName: name })).LeaseTable as { LeaseCount: number };
      assert.equal(table.LeaseCount, 0);
    });
  });

  test('CBOR works as JSON does, counters as integers', async () => {
    const encoder = new Encoder({
      useRecords: false,
      mapsAsObjects: true,
      tagUint8Array: false,
      variableMapSize: true,
    });
    const callCbor = async (operation: string, input: unknown) => {
      const response = await rawRequest(server.url, {
        headers: headers(operation, cborType),
        body: Buffer.from(encoder.encode(input)),
      });
      assert.equal(response.headers['content-type'], cborType);
      const body = response.body.length
        ? (smithyCbor.deserialize(new Uint8Array(response.body)) as Record<string, unknown>)
        : {};
      return { statusCode: response.statusCode, body };
    };
    const name = 'cbor-app';
    assert.equal((await callCbor('CreateLeaseTable', { ApplicationName: name })).statusCode, 200);
    const stored = lease('s-1', { LeaseCounter: 9_007_199_254_740_000, LeaseOwner: 'w' });
    const put = await callCbor('PutLease', { ApplicationName: name, Lease: stored });
    assert.equal(put.statusCode, 200);
    const got = await callCbor('GetLease', { ApplicationName: name, LeaseKey: 's-1' });
    assert.equal(Number((got.body.Lease as Record<string, unknown>).LeaseCounter), 9_007_199_254_740_000);
    const refused = await callCbor('PutLease', { ApplicationName: name, Lease: stored, ExpectNotExists: true });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.body.__type, 'ConditionalCheckFailedException');
  });
});
