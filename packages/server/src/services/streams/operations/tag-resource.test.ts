import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  expectError,
  expectSerialization,
  expectSuccess,
  expectValidation,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { createDeletingStreamJson, testStreamArn, transitionNeverMs } from '../../../testing/stream-lifecycle.js';

const arnPattern = 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function streamTags(name: string): Promise<unknown> {
  return (await expectSuccess(server.url, 'ListTagsForStream', { StreamName: name })).Tags;
}

describe('TagResource serialization', () => {
  test('rejects a list as Tags', () =>
    expectSerialization(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: [{ Key: 'team', Value: 'data' }] },
      'Start of list found where not expected',
    ));
  test('rejects a string as Tags', () =>
    expectSerialization(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: 'team=data' },
      'Expected map or null',
    ));
  test('rejects a number as a tag value', () =>
    expectSerialization(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: { team: 7 } },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('TagResource validation', () => {
  test('requires Tags and ResourceARN', () =>
    expectValidation(server.url, 'TagResource', {}, [
      violation(null, 'tags', 'Member must not be null'),
      violation(null, 'resourceARN', 'Member must not be null'),
    ]));
  test('refuses a tag key longer than 128 characters', () =>
    expectValidation(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: { ['k'.repeat(129)]: 'v' } },
      [
        violation(
          `{${'k'.repeat(129)}=v}`,
          'tags',
          'Map keys must satisfy constraint: [Member must have length less than or equal to 128, ' +
            'Member must have length greater than or equal to 1]',
        ),
      ],
    ));
  test('refuses a tag value longer than 256 characters', () =>
    expectValidation(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: { k: 'v'.repeat(257) } },
      [
        violation(
          `{k=${'v'.repeat(257)}}`,
          'tags',
          'Map value must satisfy constraint: [Member must have length less than or equal to 256, ' +
            'Member must have length greater than or equal to 0]',
        ),
      ],
    ));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(
      server.url,
      'TagResource',
      { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:table/x', Tags: {} },
      [
        violation('{}', 'tags', 'Member must have length greater than or equal to 1'),
        violation('arn:aws:kinesis:us-east-1:000000000000:table/x', 'resourceARN', arnPattern),
      ],
    ));
});

describe('TagResource behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'tagged', 1);
    await createStreamJson(server.url, 'tagged-sdk', 1);
    await createStreamJson(server.url, 'tagged-full', 1);
    await createDeletingStreamJson(server.url, 'tagged-deleting');
  });

  test('adds tags that both ListTagsForResource and ListTagsForStream show', async () => {
    const arn = testStreamArn('tagged');
    assert.deepEqual(
      await expectSuccess(server.url, 'TagResource', { ResourceARN: arn, Tags: { team: 'data', tier: '' } }),
      {},
    );
    assert.deepEqual(await expectSuccess(server.url, 'ListTagsForResource', { ResourceARN: arn }), {
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'tier', Value: '' },
      ],
    });
    assert.deepEqual(await streamTags('tagged'), [
      { Key: 'team', Value: 'data' },
      { Key: 'tier', Value: '' },
    ]);
  });
  test('overwrites the value of a key that is already there and keeps the others', async () => {
    await expectSuccess(server.url, 'TagResource', {
      ResourceARN: testStreamArn('tagged'),
      Tags: { team: 'platform' },
    });
    assert.deepEqual(await streamTags('tagged'), [
      { Key: 'team', Value: 'platform' },
      { Key: 'tier', Value: '' },
    ]);
  });
  test('tags through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const arn = testStreamArn('tagged-sdk');
      await client.send(
        new TagResourceCommand({ ResourceARN: arn, Tags: { 'cost centre': 'c-1 / 2', ünïcode: 'ok' } }),
      );
      const listed = await client.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      assert.deepEqual(listed.Tags, [
        { Key: 'cost centre', Value: 'c-1 / 2' },
        { Key: 'ünïcode', Value: 'ok' },
      ]);
    } finally {
      client.destroy();
    }
  });
  test('refuses tags with characters AWS does not allow', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: { 'team#': 'data' } },
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    ));
  test('refuses a percent sign, which the first character check lets through, with its own message', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged'), Tags: { share: '50%' } },
      'InvalidArgumentException',
      'Failed to add tags to stream tagged under account 000000000000 because some tags contained illegal ' +
        "characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    ));
  test('refuses to give a stream more than 50 tags, counting the ones it has', async () => {
    const arn = testStreamArn('tagged-full');
    const first = Object.fromEntries(Array.from({ length: 45 }, (_, index) => [`key-${index}`, 'v']));
    await expectSuccess(server.url, 'TagResource', { ResourceARN: arn, Tags: first });
    const more = Object.fromEntries(Array.from({ length: 6 }, (_, index) => [`more-${index}`, 'v']));
    await expectError(
      server.url,
      'TagResource',
      { ResourceARN: arn, Tags: more },
      'InvalidArgumentException',
      'Failed to add tags to stream tagged-full under account 000000000000 because a given stream cannot have ' +
        'more than 50 tags associated with it.',
    );
    const refill = Object.fromEntries(Array.from({ length: 5 }, (_, index) => [`more-${index}`, 'v']));
    await expectSuccess(server.url, 'TagResource', { ResourceARN: arn, Tags: { ...refill, 'key-0': 'again' } });
    assert.equal(((await streamTags('tagged-full')) as unknown[]).length, 50);
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged-none'), Tags: { team: 'data' } },
      'ResourceNotFoundException',
      'Stream tagged-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: `${testStreamArn('tagged')}/consumer/reader:1700000000`, Tags: { team: 'data' } },
      'ResourceNotFoundException',
      'Consumer reader with creation timestamp 1700000000 under stream: tagged, account 000000000000 not found.',
    ));
  test('refuses an ARN that the model accepts but that names neither a stream nor a consumer', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: `${testStreamArn('tagged')}/shard/1`, Tags: { team: 'data' } },
      'InvalidArgumentException',
      `Invalid ResourceARN ${testStreamArn('tagged')}/shard/1.`,
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'TagResource',
      { ResourceARN: testStreamArn('tagged-deleting'), Tags: { team: 'data' } },
      'ResourceInUseException',
      'Stream tagged-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
