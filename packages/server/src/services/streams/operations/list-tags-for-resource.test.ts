import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ListTagsForResourceCommand } from '@aws-sdk/client-kinesis';
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
import { testStreamArn } from '../../../testing/stream-lifecycle.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

describe('ListTagsForResource serialization', () => {
  test('rejects a number as ResourceARN', () =>
    expectSerialization(
      server.url,
      'ListTagsForResource',
      { ResourceARN: 42 },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
  test('rejects a list as ResourceARN', () =>
    expectSerialization(
      server.url,
      'ListTagsForResource',
      { ResourceARN: [] },
      'Start of list found where not expected',
    ));
});

describe('ListTagsForResource validation', () => {
  test('requires ResourceARN', () =>
    expectValidation(server.url, 'ListTagsForResource', {}, [
      violation(null, 'resourceARN', 'Member must not be null'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(
      server.url,
      'ListTagsForResource',
      { StreamId: 'abc', ResourceARN: 'arn:aws:kinesis:us-east-1:1:stream/x' },
      [
        violation('abc', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
        violation(
          'arn:aws:kinesis:us-east-1:1:stream/x',
          'resourceARN',
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
        ),
      ],
    ));
});

describe('ListTagsForResource behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'labelled', 1);
    await createStreamJson(server.url, 'plain', 1);
    await expectSuccess(server.url, 'AddTagsToStream', {
      StreamName: 'labelled',
      Tags: { zone: 'b', app: 'ingest', Env: 'prod', 'app.version': '2' },
    });
  });

  test('lists every tag sorted by key', async () => {
    assert.deepEqual(
      await expectSuccess(server.url, 'ListTagsForResource', { ResourceARN: testStreamArn('labelled') }),
      {
        Tags: [
          { Key: 'Env', Value: 'prod' },
          { Key: 'app', Value: 'ingest' },
          { Key: 'app.version', Value: '2' },
          { Key: 'zone', Value: 'b' },
        ],
      },
    );
  });
  test('answers an empty list for a stream without tags, through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const listed = await client.send(new ListTagsForResourceCommand({ ResourceARN: testStreamArn('plain') }));
      assert.deepEqual(listed.Tags, []);
    } finally {
      client.destroy();
    }
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'ListTagsForResource',
      { ResourceARN: testStreamArn('labelled-none') },
      'ResourceNotFoundException',
      'Stream labelled-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a stream of another account', () =>
    expectError(
      server.url,
      'ListTagsForResource',
      { ResourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/labelled' },
      'ResourceNotFoundException',
      'Stream labelled under account 111122223333 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'ListTagsForResource',
      { ResourceARN: `${testStreamArn('labelled')}/consumer/reader:1700000000` },
      'ResourceNotFoundException',
      'Consumer reader with creation timestamp 1700000000 under stream: labelled, account 000000000000 not found.',
    ));
  test('refuses an ARN that the model accepts but that names neither a stream nor a consumer', () =>
    expectError(
      server.url,
      'ListTagsForResource',
      { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/labelled/consumer/reader' },
      'InvalidArgumentException',
      'Invalid ResourceARN arn:aws:kinesis:us-east-1:000000000000:stream/labelled/consumer/reader.',
    ));
});
