import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectErrorMatching,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'tagged', 1);
});
after(async () => {
  await server.stop();
});

const invalidCharacters =
  'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.';
const percentRefused = (stream: string): string =>
  `Failed to add tags to stream ${stream} under account 000000000000 because some tags contained illegal characters. ` +
  "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";
const tooMany = (stream: string): string =>
  `Failed to add tags to stream ${stream} under account 000000000000 because a given stream cannot have more than 50 tags associated with it.`;

function numberedTags(count: number, prefix = 'k'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`${prefix}${index}`, `v${index}`]));
}

async function tagsOf(stream: string): Promise<Array<{ Key: string; Value: string }>> {
  const answer = await expectSuccess(server.url, 'ListTagsForStream', { StreamName: stream });
  return answer.Tags as Array<{ Key: string; Value: string }>;
}

describe('AddTagsToStream serialization', () => {
  test('rejects Tags that are not a map', () =>
    expectWrongTypes(server.url, 'AddTagsToStream', (value) => ({ StreamName: 'tagged', Tags: value }), 'Map'));
  test('rejects a tag value that is not a string', () =>
    expectWrongTypes(
      server.url,
      'AddTagsToStream',
      (value) => ({ StreamName: 'tagged', Tags: { a: value } }),
      'String',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'AddTagsToStream', (value) => ({ StreamName: value, Tags: { a: 'b' } }), 'String'));
});

describe('AddTagsToStream validation', () => {
  test('requires Tags', () =>
    expectValidation(server.url, 'AddTagsToStream', { StreamName: 'tagged' }, [
      violation(null, 'tags', 'Member must not be null'),
    ]));
  test('lists empty Tags before an empty StreamName', () =>
    expectValidation(server.url, 'AddTagsToStream', { StreamName: '', Tags: {} }, [
      violation('{}', 'tags', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('leaves tag characters to the behaviour checks', () =>
    expectValidation(server.url, 'AddTagsToStream', { StreamName: 'a'.repeat(129), Tags: { 'a;b': 'b' } }, [
      violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
  test('limits tag keys to 128 and tag values to 256 characters', async () => {
    const key = 'k'.repeat(129);
    await expectValidation(server.url, 'AddTagsToStream', { StreamName: 'tagged', Tags: { [key]: '3' } }, [
      violation(
        `{${key}=3}`,
        'tags',
        'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
      ),
    ]);
    const value = 'v'.repeat(257);
    await expectValidation(server.url, 'AddTagsToStream', { StreamName: 'tagged', Tags: { c: value } }, [
      violation(
        `{c=${value}}`,
        'tags',
        'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]',
      ),
    ]);
  });
  test('refuses an empty tag key', () =>
    expectValidation(server.url, 'AddTagsToStream', { StreamName: 'tagged', Tags: { '': 'v' } }, [
      violation(
        '{=v}',
        'tags',
        'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
      ),
    ]));
  test('accepts at most 200 tags in one call', () =>
    expectErrorMatching(
      server.url,
      'AddTagsToStream',
      { StreamName: 'tagged', Tags: numberedTags(201) },
      'ValidationException',
      /^1 validation error detected: Value '\{(k\d+=v\d+, ){200}k\d+=v\d+\}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 200$/,
    ));
});

describe('AddTagsToStream behaviour', () => {
  test('keeps keys that are names of Object.prototype members (`__proto__`, `constructor`) as tags', async () => {
    await createStreamJson(server.url, 'prototype-keys', 1);
    // JSON.parse makes `__proto__` an own key of the body; a plain assignment would set the prototype.
    const tags = JSON.parse('{"__proto__": "p", "constructor": "c", "plain": "x"}') as Record<string, string>;
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'prototype-keys', Tags: tags });
    assert.deepEqual(await tagsOf('prototype-keys'), [
      { Key: '__proto__', Value: 'p' },
      { Key: 'constructor', Value: 'c' },
      { Key: 'plain', Value: 'x' },
    ]);
    await expectEmptySuccess(server.url, 'RemoveTagsFromStream', {
      StreamName: 'prototype-keys',
      TagKeys: ['__proto__'],
    });
    assert.deepEqual(await tagsOf('prototype-keys'), [
      { Key: 'constructor', Value: 'c' },
      { Key: 'plain', Value: 'x' },
    ]);
  });
  test('answers ResourceNotFoundException for a missing stream, before checking characters', () =>
    expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'nope', Tags: { 'a;b': 'c' } },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('refuses semicolons, tabs, newlines and commas in keys and values', async () => {
    for (const text of ['abc;def', 'abc\tdef', 'abc\ndef', 'abc,def']) {
      await expectError(
        server.url,
        'AddTagsToStream',
        { StreamName: 'tagged', Tags: { [text]: '1' } },
        'InvalidArgumentException',
        invalidCharacters,
      );
      await expectError(
        server.url,
        'AddTagsToStream',
        { StreamName: 'tagged', Tags: { a: text } },
        'InvalidArgumentException',
        invalidCharacters,
      );
    }
  });
  test('refuses a percent sign with its own message', async () => {
    await expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'tagged', Tags: { 'abc%def': '1' } },
      'InvalidArgumentException',
      percentRefused('tagged'),
    );
    await expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'tagged', Tags: { a: 'abc%def' } },
      'InvalidArgumentException',
      percentRefused('tagged'),
    );
  });
  test('reports invalid characters before a percent sign', () =>
    expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'tagged', Tags: { 'a%b': '1', c: 'd;e' } },
      'InvalidArgumentException',
      invalidCharacters,
    ));
  test('adds tags of Unicode letters, digits, white space and _ . / = + - @, with an empty answer', async () => {
    await createStreamJson(server.url, 'charset', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', {
      StreamName: 'charset',
      Tags: { a: 'a', 'ü0 _.': 'a', '/=+-@': 'a', b: 'ü0 _./=+-@', c: '' },
    });
    assert.deepEqual(await tagsOf('charset'), [
      { Key: '/=+-@', Value: 'a' },
      { Key: 'a', Value: 'a' },
      { Key: 'b', Value: 'ü0 _./=+-@' },
      { Key: 'c', Value: '' },
      { Key: 'ü0 _.', Value: 'a' },
    ]);
  });
  test('overwrites the value of an existing key', async () => {
    await createStreamJson(server.url, 'overwrite', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'overwrite', Tags: { a: 'a', b: 'b' } });
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'overwrite', Tags: { a: 'changed' } });
    assert.deepEqual(await tagsOf('overwrite'), [
      { Key: 'a', Value: 'changed' },
      { Key: 'b', Value: 'b' },
    ]);
  });
  test('allows 50 tags on a stream and refuses a 51st, keeping the tags it had', async () => {
    await createStreamJson(server.url, 'full', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'full', Tags: numberedTags(49) });
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'full', Tags: { last: 'one' } });
    await expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'full', Tags: { extra: 'x' } },
      'InvalidArgumentException',
      tooMany('full'),
    );
    const tags = await tagsOf('full');
    assert.equal(tags.length, 50);
    assert.ok(!tags.some((tag) => tag.Key === 'extra'));
  });
  test('counts only new keys against the limit of 50', async () => {
    await createStreamJson(server.url, 'rewrite', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'rewrite', Tags: numberedTags(50) });
    await expectEmptySuccess(server.url, 'AddTagsToStream', { StreamName: 'rewrite', Tags: { k0: 'new', k49: 'new' } });
    const tags = await tagsOf('rewrite');
    assert.equal(tags.length, 50);
    assert.deepEqual(
      tags.find((tag) => tag.Key === 'k0'),
      { Key: 'k0', Value: 'new' },
    );
  });
  test('refuses a single call that would bring a stream past 50 tags', () =>
    expectError(
      server.url,
      'AddTagsToStream',
      { StreamName: 'tagged', Tags: numberedTags(51) },
      'InvalidArgumentException',
      tooMany('tagged'),
    ));
  test('tags a stream addressed by its ARN', async () => {
    await createStreamJson(server.url, 'by-arn', 1);
    await expectEmptySuccess(server.url, 'AddTagsToStream', {
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/by-arn',
      Tags: { owner: 'me' },
    });
    assert.deepEqual(await tagsOf('by-arn'), [{ Key: 'owner', Value: 'me' }]);
  });
});

describe('AddTagsToStream behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('answers ResourceInUseException', () =>
    expectError(
      slow.url,
      'AddTagsToStream',
      { StreamName: 'creating', Tags: { a: 'b' } },
      'ResourceInUseException',
      'Stream creating under account 000000000000 not ACTIVE, instead in state CREATING',
    ));
});
