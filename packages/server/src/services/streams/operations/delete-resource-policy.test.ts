import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeleteResourcePolicyCommand, GetResourcePolicyCommand } from '@aws-sdk/client-kinesis';
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

const writePolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kinesis:PutRecord', Resource: '*' }],
});

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

describe('DeleteResourcePolicy serialization', () => {
  test('rejects a list as ResourceARN', () =>
    expectSerialization(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: [testStreamArn('revoked')] },
      'Start of list found where not expected',
    ));
  test('rejects a number as StreamId', () =>
    expectSerialization(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: testStreamArn('revoked'), StreamId: 1 },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('DeleteResourcePolicy validation', () => {
  test('requires ResourceARN', () =>
    expectValidation(server.url, 'DeleteResourcePolicy', { StreamId: 'abcdefghij0123456789-abc' }, [
      violation(null, 'resourceARN', 'Member must not be null'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'DeleteResourcePolicy', { StreamId: 'S'.repeat(25), ResourceARN: 'stream/x' }, [
      violation('S'.repeat(25), 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
      violation('S'.repeat(25), 'streamId', 'Member must have length less than or equal to 24'),
      violation(
        'stream/x',
        'resourceARN',
        'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+',
      ),
    ]));
});

describe('DeleteResourcePolicy behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'revoked', 1);
    await createStreamJson(server.url, 'revoked-sdk', 1);
    await createStreamJson(server.url, 'never-policied', 1);
    await createDeletingStreamJson(server.url, 'revoked-deleting');
  });

  test('removes the policy, after which GetResourcePolicy answers an empty object', async () => {
    const arn = testStreamArn('revoked');
    await expectSuccess(server.url, 'PutResourcePolicy', { ResourceARN: arn, Policy: writePolicy });
    assert.deepEqual(await expectSuccess(server.url, 'DeleteResourcePolicy', { ResourceARN: arn }), {});
    assert.deepEqual(await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: arn }), { Policy: '{}' });
  });
  test('answers ResourceNotFoundException when the policy was already removed', () =>
    expectError(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: testStreamArn('revoked') },
      'ResourceNotFoundException',
      `No resource policy found for resource ARN ${testStreamArn('revoked')}.`,
    ));
  test('answers ResourceNotFoundException for a stream that never had a policy', () =>
    expectError(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: testStreamArn('never-policied') },
      'ResourceNotFoundException',
      `No resource policy found for resource ARN ${testStreamArn('never-policied')}.`,
    ));
  test('removes the policy through the AWS SDK', async () => {
    const arn = testStreamArn('revoked-sdk');
    await expectSuccess(server.url, 'PutResourcePolicy', { ResourceARN: arn, Policy: writePolicy });
    const client = kinesisClient(server.url);
    try {
      await client.send(new DeleteResourcePolicyCommand({ ResourceARN: arn }));
      assert.equal((await client.send(new GetResourcePolicyCommand({ ResourceARN: arn }))).Policy, '{}');
    } finally {
      client.destroy();
    }
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: testStreamArn('revoked-none') },
      'ResourceNotFoundException',
      'Stream revoked-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: `${testStreamArn('revoked')}/consumer/writer:1700000000` },
      'ResourceNotFoundException',
      'Consumer writer with creation timestamp 1700000000 under stream: revoked, account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'DeleteResourcePolicy',
      { ResourceARN: testStreamArn('revoked-deleting') },
      'ResourceInUseException',
      'Stream revoked-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
