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
  await createStreamJson(server.url, 'listed', 1);
  // Added out of order: ListTagsForStream answers in key order.
  await expectEmptySuccess(server.url, 'AddTagsToStream', {
    StreamName: 'listed',
    Tags: { delta: '4', alpha: '1', charlie: '3', bravo: '2' },
  });
});
after(async () => {
  await server.stop();
});

interface TagPage {
  Tags: Array<{ Key: string; Value: string }>;
  HasMoreTags: boolean;
}

async function listTags(url: string, input: Record<string, unknown>): Promise<TagPage> {
  return (await expectSuccess(url, 'ListTagsForStream', input)) as unknown as TagPage;
}

const keysOf = (page: TagPage): string[] => page.Tags.map((tag) => tag.Key);

describe('ListTagsForStream serialization', () => {
  test('rejects a Limit that is not an integer', () =>
    expectWrongTypes(server.url, 'ListTagsForStream', (value) => ({ StreamName: 'listed', Limit: value }), 'Integer'));
  test('rejects an ExclusiveStartTagKey that is not a string', () =>
    expectWrongTypes(
      server.url,
      'ListTagsForStream',
      (value) => ({ StreamName: 'listed', ExclusiveStartTagKey: value }),
      'String',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'ListTagsForStream', (value) => ({ StreamName: value }), 'String'));
});

describe('ListTagsForStream validation', () => {
  test('lists four violations of empty values in AWS order', () =>
    expectValidation(server.url, 'ListTagsForStream', { StreamName: '', ExclusiveStartTagKey: '', Limit: 0 }, [
      violation('0', 'limit', 'Member must have value greater than or equal to 1'),
      violation('', 'exclusiveStartTagKey', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits Limit to 50 and names to 128 characters', () => {
    const name = 'a'.repeat(129);
    return expectValidation(
      server.url,
      'ListTagsForStream',
      { StreamName: name, ExclusiveStartTagKey: name, Limit: 51 },
      [
        violation('51', 'limit', 'Member must have value less than or equal to 50'),
        violation(name, 'exclusiveStartTagKey', 'Member must have length less than or equal to 128'),
        violation(name, 'streamName', 'Member must have length less than or equal to 128'),
      ],
    );
  });
});

describe('ListTagsForStream behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'ListTagsForStream',
      {},
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'ListTagsForStream',
      { StreamName: 'nope', ExclusiveStartTagKey: 'a', Limit: 1 },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('lists every tag in key order', async () => {
    assert.deepEqual(await listTags(server.url, { StreamName: 'listed' }), {
      Tags: [
        { Key: 'alpha', Value: '1' },
        { Key: 'bravo', Value: '2' },
        { Key: 'charlie', Value: '3' },
        { Key: 'delta', Value: '4' },
      ],
      HasMoreTags: false,
    });
  });
  test('answers an empty list for a stream without tags', async () => {
    await createStreamJson(server.url, 'bare', 1);
    assert.deepEqual(await listTags(server.url, { StreamName: 'bare' }), { Tags: [], HasMoreTags: false });
  });
  test('pages with Limit and ExclusiveStartTagKey', async () => {
    const first = await listTags(server.url, { StreamName: 'listed', Limit: 2 });
    assert.deepEqual(keysOf(first), ['alpha', 'bravo']);
    assert.equal(first.HasMoreTags, true);
    const second = await listTags(server.url, { StreamName: 'listed', Limit: 2, ExclusiveStartTagKey: 'bravo' });
    assert.deepEqual(keysOf(second), ['charlie', 'delta']);
    assert.equal(second.HasMoreTags, false);
  });
  test('starts after an ExclusiveStartTagKey the stream does not have', async () => {
    assert.deepEqual(keysOf(await listTags(server.url, { StreamName: 'listed', ExclusiveStartTagKey: 'b' })), [
      'bravo',
      'charlie',
      'delta',
    ]);
    assert.deepEqual(keysOf(await listTags(server.url, { StreamName: 'listed', ExclusiveStartTagKey: 'zulu' })), []);
  });
  test('lists all 50 tags a stream can have in one call by default', async () => {
    await createStreamJson(server.url, 'fifty', 1);
    const tags = Object.fromEntries(
      Array.from({ length: 50 }, (_, index) => [`k${String(index).padStart(2, '0')}`, 'v']),
    );
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'fifty', Tags: tags });
    const page = await listTags(server.url, { StreamName: 'fifty' });
    assert.equal(page.Tags.length, 50);
    assert.equal(page.HasMoreTags, false);
    assert.equal(page.Tags[49]?.Key, 'k49');
  });
  test('lists the tags of a stream addressed by its ARN', async () => {
    const page = await listTags(server.url, { StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/listed' });
    assert.deepEqual(keysOf(page), ['alpha', 'bravo', 'charlie', 'delta']);
  });
});

describe('ListTagsForStream behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1, Tags: { a: 'b' } });
  });
  after(async () => {
    await slow.stop();
  });

  test('lists the tags given at creation', async () => {
    assert.deepEqual(await listTags(slow.url, { StreamName: 'creating' }), {
      Tags: [{ Key: 'a', Value: 'b' }],
      HasMoreTags: false,
    });
  });
});
