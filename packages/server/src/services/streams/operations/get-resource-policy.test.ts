import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetResourcePolicyCommand } from '@aws-sdk/client-kinesis';
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
import { testStreamArn, waitForStatusJson } from '../../../testing/stream-lifecycle.js';

const readPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: '111122223333' }, Action: 'kinesis:GetRecords', Resource: '*' }],
});

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

function getPolicy(name: string): Promise<Record<string, unknown>> {
  return expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: testStreamArn(name) });
}

describe('GetResourcePolicy serialization', () => {
  test('rejects a boolean as ResourceARN', () =>
    expectSerialization(
      server.url,
      'GetResourcePolicy',
      { ResourceARN: true },
      'class java.lang.Boolean can not be converted to an String',
    ));
  test('rejects a map as ResourceARN', () =>
    expectSerialization(
      server.url,
      'GetResourcePolicy',
      { ResourceARN: {} },
      'Start of structure or map found where not expected.',
    ));
});

describe('GetResourcePolicy validation', () => {
  test('requires ResourceARN', () =>
    expectValidation(server.url, 'GetResourcePolicy', {}, [violation(null, 'resourceARN', 'Member must not be null')]));
  test('limits ResourceARN to 2048 characters', () => {
    const arn = testStreamArn('p'.repeat(2049 - testStreamArn('').length));
    return expectValidation(server.url, 'GetResourcePolicy', { ResourceARN: arn }, [
      violation(arn, 'resourceARN', 'Member must have length less than or equal to 2048'),
    ]);
  });
});

describe('GetResourcePolicy behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'readable', 1);
    await createStreamJson(server.url, 'unpolicied', 1);
    await createStreamJson(server.url, 'short-lived', 1);
  });

  test('answers an empty JSON object for a stream without a policy', async () => {
    assert.deepEqual(await getPolicy('unpolicied'), { Policy: '{}' });
  });
  test('returns the policy attached to the stream, through the AWS SDK', async () => {
    await expectSuccess(server.url, 'PutResourcePolicy', {
      ResourceARN: testStreamArn('readable'),
      Policy: readPolicy,
    });
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(new GetResourcePolicyCommand({ ResourceARN: testStreamArn('readable') }));
      assert.equal(answer.Policy, readPolicy);
    } finally {
      client.destroy();
    }
    assert.deepEqual(await getPolicy('unpolicied'), { Policy: '{}' });
  });
  test('does not hand the policy of a deleted stream to a new stream of the same name', async () => {
    await expectSuccess(server.url, 'PutResourcePolicy', {
      ResourceARN: testStreamArn('short-lived'),
      Policy: readPolicy,
    });
    await expectSuccess(server.url, 'DeleteStream', { StreamName: 'short-lived' });
    await waitForStatusJson(server.url, 'short-lived', undefined);
    await createStreamJson(server.url, 'short-lived', 1);
    assert.deepEqual(await getPolicy('short-lived'), { Policy: '{}' });
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'GetResourcePolicy',
      { ResourceARN: testStreamArn('readable-none') },
      'ResourceNotFoundException',
      'Stream readable-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'GetResourcePolicy',
      { ResourceARN: `${testStreamArn('readable')}/consumer/reader:1700000000` },
      'ResourceNotFoundException',
      'Consumer reader with creation timestamp 1700000000 under stream: readable, account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer of a missing stream by naming the stream', () =>
    expectError(
      server.url,
      'GetResourcePolicy',
      { ResourceARN: `${testStreamArn('readable-none')}/consumer/reader:1700000000` },
      'ResourceNotFoundException',
      'Stream readable-none under account 000000000000 not found.',
    ));
});
