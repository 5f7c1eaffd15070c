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
  await createStreamJson(server.url, 'untagged', 1);
});
after(async () => {
  await server.stop();
});

const invalidCharacters =
  'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const keyConstraint =
  'Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]';

async function tagKeysOf(stream: string): Promise<string[]> {
  const answer = await expectSuccess(server.url, 'ListTagsForStream', { StreamName: stream });
  return (answer.Tags as Array<{ Key: string }>).map((tag) => tag.Key);
}

describe('RemoveTagsFromStream serialization', () => {
  test('rejects TagKeys that are not a list', () =>
    expectWrongTypes(
      server.url,
      'RemoveTagsFromStream',
      (value) => ({ StreamName: 'untagged', TagKeys: value }),
      'List',
    ));
  test('rejects a tag key that is not a string', () =>
    expectWrongTypes(
      server.url,
      'RemoveTagsFromStream',
      (value) => ({ StreamName: 'untagged', TagKeys: [value] }),
      'String',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'RemoveTagsFromStream', (value) => ({ StreamName: value, TagKeys: ['a'] }), 'String'));
});

describe('RemoveTagsFromStream validation', () => {
  test('requires TagKeys', () =>
    expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: 'untagged' }, [
      violation(null, 'tagKeys', 'Member must not be null'),
    ]));
  test('lists empty TagKeys before an empty StreamName', () =>
    expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: '', TagKeys: [] }, [
      violation('[]', 'tagKeys', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits StreamName to 128 characters', () =>
    expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: 'a'.repeat(129), TagKeys: ['a'] }, [
      violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
  test('checks every tag key length, naming the whole list', async () => {
    const long = 'k'.repeat(129);
    await expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: 'untagged', TagKeys: ['a', long, 'b'] }, [
      violation(`[a, ${long}, b]`, 'tagKeys', keyConstraint),
    ]);
    await expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: 'untagged', TagKeys: ['a', ''] }, [
      violation('[a, ]', 'tagKeys', keyConstraint),
    ]);
  });
  test('accepts at most 50 tag keys', () => {
    const keys = Array.from({ length: 51 }, (_, index) => String(index + 1));
    return expectValidation(server.url, 'RemoveTagsFromStream', { StreamName: 'untagged', TagKeys: keys }, [
      violation(`[${keys.join(', ')}]`, 'tagKeys', 'Member must have length less than or equal to 50'),
    ]);
  });
});

describe('RemoveTagsFromStream behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream, before checking characters', () =>
    expectError(
      server.url,
      'RemoveTagsFromStream',
      { StreamName: 'nope', TagKeys: [';'] },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('refuses semicolons, tabs, newlines and commas in tag keys', async () => {
    for (const key of ['abc;def', 'abc\tdef', 'abc\ndef', 'abc,def']) {
      await expectError(
        server.url,
        'RemoveTagsFromStream',
        { StreamName: 'untagged', TagKeys: [key] },
        'InvalidArgumentException',
        invalidCharacters,
      );
    }
  });
  test('refuses a percent sign with its own message', () =>
    expectError(
      server.url,
      'RemoveTagsFromStream',
      { StreamName: 'untagged', TagKeys: ['abc%def'] },
      'InvalidArgumentException',
      'Failed to remove tags from stream untagged under account 000000000000 because some tags contained illegal characters. ' +
        "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    ));
  test('accepts keys the stream does not have, with an empty answer', () =>
    expectEmptySuccess(server.url, 'RemoveTagsFromStream', { StreamName: 'untagged', TagKeys: ['ü0 _.', '/=+-@'] }));
  test('removes only the keys named', async () => {
    await createStreamJson(server.url, 'pruned', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', {
      StreamName: 'pruned',
      Tags: { a: 'a', 'ü0 _.': 'a', '/=+-@': 'a' },
    });
    await expectEmptySuccess(server.url, 'RemoveTagsFromStream', {
      StreamName: 'pruned',
      TagKeys: ['ü0 _.', '/=+-@', 'b', 'c'],
    });
    assert.deepEqual(await tagKeysOf('pruned'), ['a']);
  });
  test('frees room under the 50-tag limit', async () => {
    await createStreamJson(server.url, 'room', 1);
    const full = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'room', Tags: full });
    await expectEmptySuccess(server.url, 'RemoveTagsFromStream', { StreamName: 'room', TagKeys: ['k0'] });
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'room', Tags: { other: 'v' } });
    assert.equal((await tagKeysOf('room')).length, 50);
  });
});

describe('RemoveTagsFromStream behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1, Tags: { a: 'b' } });
  });
  after(async () => {
    await slow.stop();
  });

  test('answers ResourceInUseException', () =>
    expectError(
      slow.url,
      'RemoveTagsFromStream',
      { StreamName: 'creating', TagKeys: ['a'] },
      'ResourceInUseException',
      'Stream creating under account 000000000000 not ACTIVE, instead in state CREATING',
    ));
});
