import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListTagsForStreamCommand, UntagResourceCommand } from '@aws-sdk/client-kinesis';
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

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function createTaggedStream(name: string): Promise<void> {
  await createStreamJson(server.url, name, 1);
  await expectSuccess(server.url, 'TagResource', {
    ResourceARN: testStreamArn(name),
    Tags: { team: 'data', tier: 'gold', owner: 'ops' },
  });
}

describe('UntagResource serialization', () => {
  test('rejects a string as TagKeys', () =>
    expectSerialization(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged'), TagKeys: 'team' },
      'Expected list or null',
    ));
  test('rejects a number inside TagKeys', () =>
    expectSerialization(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged'), TagKeys: [1] },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
  test('rejects a map as ResourceARN', () =>
    expectSerialization(
      server.url,
      'UntagResource',
      { ResourceARN: { arn: testStreamArn('untagged') }, TagKeys: ['team'] },
      'Start of structure or map found where not expected.',
    ));
});

describe('UntagResource validation', () => {
  test('requires TagKeys and ResourceARN', () =>
    expectValidation(server.url, 'UntagResource', {}, [
      violation(null, 'resourceARN', 'Member must not be null'),
      violation(null, 'tagKeys', 'Member must not be null'),
    ]));
  test('refuses more than 50 keys', () => {
    const keys = Array.from({ length: 51 }, (_, index) => `k${index}`);
    return expectValidation(server.url, 'UntagResource', { ResourceARN: testStreamArn('untagged'), TagKeys: keys }, [
      violation(`[${keys.join(', ')}]`, 'tagKeys', 'Member must have length less than or equal to 50'),
    ]);
  });
  test('refuses an empty key', () =>
    expectValidation(server.url, 'UntagResource', { ResourceARN: testStreamArn('untagged'), TagKeys: ['team', ''] }, [
      violation(
        '[team, ]',
        'tagKeys',
        'Member must satisfy constraint: [Member must have length less than or equal to 128, ' +
          'Member must have length greater than or equal to 1]',
      ),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'UntagResource', { ResourceARN: 'untagged', TagKeys: [] }, [
      violation(
        'untagged',
        'resourceARN',
        'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
      ),
      violation('[]', 'tagKeys', 'Member must have length greater than or equal to 1'),
    ]));
});

describe('UntagResource behaviour', () => {
  before(async () => {
    await createTaggedStream('untagged');
    await createTaggedStream('untagged-sdk');
    await createDeletingStreamJson(server.url, 'untagged-deleting');
  });

  test('removes the listed keys and ignores keys the stream does not have', async () => {
    const arn = testStreamArn('untagged');
    assert.deepEqual(
      await expectSuccess(server.url, 'UntagResource', { ResourceARN: arn, TagKeys: ['tier', 'absent'] }),
      {},
    );
    assert.deepEqual(await expectSuccess(server.url, 'ListTagsForResource', { ResourceARN: arn }), {
      Tags: [
        { Key: 'owner', Value: 'ops' },
        { Key: 'team', Value: 'data' },
      ],
    });
  });
  test('removes tags through the AWS SDK, as ListTagsForStream shows', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new UntagResourceCommand({ ResourceARN: testStreamArn('untagged-sdk'), TagKeys: ['team', 'owner'] }),
      );
      const listed = await client.send(new ListTagsForStreamCommand({ StreamName: 'untagged-sdk' }));
      assert.deepEqual(listed.Tags, [{ Key: 'tier', Value: 'gold' }]);
    } finally {
      client.destroy();
    }
  });
  test('refuses keys with characters AWS does not allow', () =>
    expectError(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged'), TagKeys: ['team', 'tier#'] },
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    ));
  test('refuses a key with a percent sign with its own message', () =>
    expectError(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged'), TagKeys: ['50%'] },
      'InvalidArgumentException',
      'Failed to remove tags from stream untagged under account 000000000000 because some tags contained illegal ' +
        "characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged-none'), TagKeys: ['team'] },
      'ResourceNotFoundException',
      'Stream untagged-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'UntagResource',
      { ResourceARN: `${testStreamArn('untagged')}/consumer/reader:1700000000`, TagKeys: ['team'] },
      'ResourceNotFoundException',
      'Consumer reader with creation timestamp 1700000000 under stream: untagged, account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'UntagResource',
      { ResourceARN: testStreamArn('untagged-deleting'), TagKeys: ['team'] },
      'ResourceInUseException',
      'Stream untagged-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
