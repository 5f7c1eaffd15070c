import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GetResourcePolicyCommand, PutResourcePolicyCommand } from '@aws-sdk/client-kinesis';
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
const policy = (sid: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: sid,
        Effect: 'Allow',
        Principal: { AWS: '111122223333' },
        Action: ['kinesis:GetRecords'],
        Resource: testStreamArn('policied'),
      },
    ],
  });

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function storedPolicy(name: string): Promise<unknown> {
  return (await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: testStreamArn(name) })).Policy;
}

describe('PutResourcePolicy serialization', () => {
  test('rejects a JSON object as Policy (it must be a string holding JSON)', () =>
    expectSerialization(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: testStreamArn('policied'), Policy: { Version: '2012-10-17' } },
      'Start of structure or map found where not expected.',
    ));
  test('rejects a list as Policy', () =>
    expectSerialization(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: testStreamArn('policied'), Policy: [] },
      'Start of list found where not expected',
    ));
  test('rejects a number as ResourceARN', () =>
    expectSerialization(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: 5, Policy: '{}' },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('PutResourcePolicy validation', () => {
  test('requires ResourceARN and Policy', () =>
    expectValidation(server.url, 'PutResourcePolicy', {}, [
      violation(null, 'resourceARN', 'Member must not be null'),
      violation(null, 'policy', 'Member must not be null'),
    ]));
  test('refuses an ARN that names no Kinesis stream', () =>
    expectValidation(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: 'arn:aws:sqs:us-east-1:000000000000:queue', Policy: '{}' },
      [violation('arn:aws:sqs:us-east-1:000000000000:queue', 'resourceARN', arnPattern)],
    ));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'PutResourcePolicy', { StreamId: 'x', ResourceARN: '' }, [
      violation('x', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
      violation('', 'resourceARN', arnPattern),
      violation('', 'resourceARN', 'Member must have length greater than or equal to 1'),
      violation(null, 'policy', 'Member must not be null'),
    ]));
});

describe('PutResourcePolicy behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'policied', 1);
    await createStreamJson(server.url, 'policied-sdk', 1);
    await createDeletingStreamJson(server.url, 'policied-deleting');
  });

  test('stores the policy text exactly as given', async () => {
    const text = `  ${policy('first')}\n`;
    const answer = await expectSuccess(server.url, 'PutResourcePolicy', {
      ResourceARN: testStreamArn('policied'),
      Policy: text,
    });
    assert.deepEqual(answer, {});
    assert.equal(await storedPolicy('policied'), text);
  });
  test('replaces the policy already attached, through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const arn = testStreamArn('policied-sdk');
      await client.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: policy('one') }));
      await client.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: policy('two') }));
      const answer = await client.send(new GetResourcePolicyCommand({ ResourceARN: arn }));
      assert.equal(answer.Policy, policy('two'));
    } finally {
      client.destroy();
    }
  });
  for (const [what, text] of [
    ['text that is not JSON', 'Allow everyone'],
    ['a JSON array', '[]'],
    ['a JSON string', '"policy"'],
    ['JSON null', 'null'],
  ] as const) {
    test(`refuses a Policy that is ${what}`, () =>
      expectError(
        server.url,
        'PutResourcePolicy',
        { ResourceARN: testStreamArn('policied'), Policy: text },
        'InvalidArgumentException',
        'Policy must be a valid JSON object.',
      ));
  }
  test('keeps the previous policy when a new one is refused', async () => {
    assert.equal(await storedPolicy('policied'), `  ${policy('first')}\n`);
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: testStreamArn('policied-none'), Policy: '{}' },
      'ResourceNotFoundException',
      'Stream policied-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a stream of another account', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/policied', Policy: '{}' },
      'ResourceNotFoundException',
      'Stream policied under account 111122223333 not found.',
    ));
  test('answers ResourceNotFoundException for a stream of another region', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: 'arn:aws:kinesis:eu-west-1:000000000000:stream/policied', Policy: '{}' },
      'ResourceNotFoundException',
      'Stream policied under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: `${testStreamArn('policied')}/consumer/reader:1700000000`, Policy: '{}' },
      'ResourceNotFoundException',
      'Consumer reader with creation timestamp 1700000000 under stream: policied, account 000000000000 not found.',
    ));
  test('refuses an ARN that the model accepts but that names neither a stream nor a consumer', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: 'arn:aws:kinesis:us-east-1:000000000000:deliverystream/policied', Policy: '{}' },
      'InvalidArgumentException',
      'Invalid ResourceARN arn:aws:kinesis:us-east-1:000000000000:deliverystream/policied.',
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'PutResourcePolicy',
      { ResourceARN: testStreamArn('policied-deleting'), Policy: '{}' },
      'ResourceInUseException',
      'Stream policied-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
