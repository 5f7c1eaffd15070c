import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  // Created out of order: ListStreams answers in name order.
  for (const name of ['charlie', 'alpha', 'bravo']) await createStreamJson(server.url, name, 1);
});
after(async () => {
  await server.stop();
});

interface Listing {
  StreamNames: string[];
  HasMoreStreams: boolean;
  NextToken?: string;
  StreamSummaries: Array<Record<string, unknown>>;
}

async function listStreams(url: string, input: Record<string, unknown>): Promise<Listing> {
  return (await expectSuccess(url, 'ListStreams', input)) as unknown as Listing;
}

describe('ListStreams serialization', () => {
  test('rejects a Limit that is not an integer', () =>
    expectWrongTypes(server.url, 'ListStreams', (value) => ({ Limit: value }), 'Integer'));
  test('rejects an ExclusiveStartStreamName that is not a string', () =>
    expectWrongTypes(server.url, 'ListStreams', (value) => ({ ExclusiveStartStreamName: value }), 'String'));
  test('rejects a NextToken that is not a string', () =>
    expectWrongTypes(server.url, 'ListStreams', (value) => ({ NextToken: value }), 'String'));
});

describe('ListStreams validation', () => {
  test('lists a Limit below 1 before an empty ExclusiveStartStreamName', () =>
    expectValidation(server.url, 'ListStreams', { ExclusiveStartStreamName: '', Limit: 0 }, [
      violation('0', 'limit', 'Member must have value greater than or equal to 1'),
      violation('', 'exclusiveStartStreamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'exclusiveStartStreamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits Limit to 10000 and ExclusiveStartStreamName to 128 characters', () =>
    expectValidation(server.url, 'ListStreams', { ExclusiveStartStreamName: 'a'.repeat(129), Limit: 1000000 }, [
      violation('1000000', 'limit', 'Member must have value less than or equal to 10000'),
      violation('a'.repeat(129), 'exclusiveStartStreamName', 'Member must have length less than or equal to 128'),
    ]));
  test('rejects an empty NextToken, listed after Limit and before ExclusiveStartStreamName', () =>
    expectValidation(server.url, 'ListStreams', { NextToken: '', Limit: 0, ExclusiveStartStreamName: 'a b' }, [
      violation('0', 'limit', 'Member must have value greater than or equal to 1'),
      violation('', 'nextToken', 'Member must have length greater than or equal to 1'),
      violation('a b', 'exclusiveStartStreamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
    ]));
});

describe('ListStreams behaviour', () => {
  test('lists every stream in name order with its summary', async () => {
    const listing = await listStreams(server.url, {});
    assert.deepEqual(listing.StreamNames, ['alpha', 'bravo', 'charlie']);
    assert.equal(listing.HasMoreStreams, false);
    assert.equal(listing.NextToken, undefined);
    const summaries = listing.StreamSummaries.map((streamSummary) => {
      assert.equal(typeof streamSummary.StreamCreationTimestamp, 'number');
      const { StreamCreationTimestamp: _created, ...rest } = streamSummary;
      return rest;
    });
    assert.deepEqual(
      summaries,
      ['alpha', 'bravo', 'charlie'].map((name) => ({
        StreamName: name,
        StreamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
        StreamStatus: 'ACTIVE',
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
      })),
    );
  });
  test('pages with Limit and a NextToken that continues where the page ended', async () => {
    const first = await listStreams(server.url, { Limit: 2 });
    assert.deepEqual(first.StreamNames, ['alpha', 'bravo']);
    assert.equal(first.HasMoreStreams, true);
    assert.equal(typeof first.NextToken, 'string');
    const second = await listStreams(server.url, { NextToken: first.NextToken });
    assert.deepEqual(second.StreamNames, ['charlie']);
    assert.equal(second.HasMoreStreams, false);
    assert.equal(second.NextToken, undefined);
  });
  test('starts after ExclusiveStartStreamName, which need not exist', async () => {
    assert.deepEqual((await listStreams(server.url, { ExclusiveStartStreamName: 'alpha' })).StreamNames, [
      'bravo',
      'charlie',
    ]);
    assert.deepEqual((await listStreams(server.url, { ExclusiveStartStreamName: 'b' })).StreamNames, [
      'bravo',
      'charlie',
    ]);
    assert.deepEqual((await listStreams(server.url, { ExclusiveStartStreamName: 'zulu' })).StreamNames, []);
  });
  test('refuses a NextToken it did not issue', () =>
    expectError(
      server.url,
      'ListStreams',
      { NextToken: 'not-a-token' },
      'InvalidArgumentException',
      'Invalid NextToken: not-a-token',
    ));
  test('refuses a ListShards NextToken', async () => {
    const shards = await expectSuccess(server.url, 'ListShards', { StreamName: 'alpha', MaxResults: 1 });
    assert.equal(shards.NextToken, undefined, 'a one-shard stream needs no second page');
    await createStreamJson(server.url, 'two-shards', 2);
    const paged = await expectSuccess(server.url, 'ListShards', { StreamName: 'two-shards', MaxResults: 1 });
    const token = paged.NextToken as string;
    await expectError(
      server.url,
      'ListStreams',
      { NextToken: token },
      'InvalidArgumentException',
      `Invalid NextToken: ${token}`,
    );
  });
});

describe('ListStreams behaviour with many streams', () => {
  let crowded: ServerProcess;
  before(async () => {
    crowded = await startServerProcess({ inMemory: true });
    for (let index = 0; index < 101; index++) {
      await expectEmptySuccess(crowded.url, 'CreateStream', {
        StreamName: `s${String(index).padStart(3, '0')}`,
        ShardCount: 1,
      });
    }
  });
  after(async () => {
    await crowded.stop();
  });

  test('returns at most 100 streams whatever Limit asks for', async () => {
    const listing = await listStreams(crowded.url, { Limit: 10000 });
    assert.equal(listing.StreamNames.length, 100);
    assert.equal(listing.HasMoreStreams, true);
    const rest = await listStreams(crowded.url, { NextToken: listing.NextToken });
    assert.deepEqual(rest.StreamNames, ['s100']);
  });
  test('returns 100 streams by default', async () => {
    const listing = await listStreams(crowded.url, {});
    assert.equal(listing.StreamNames.length, 100);
    assert.equal(listing.StreamNames[0], 's000');
    assert.equal(listing.StreamNames[99], 's099');
  });
});

describe('ListStreams behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('lists the CREATING stream with its status', async () => {
    const listing = await listStreams(slow.url, {});
    assert.deepEqual(listing.StreamNames, ['creating']);
    assert.equal(listing.StreamSummaries[0]?.StreamStatus, 'CREATING');
  });
});
