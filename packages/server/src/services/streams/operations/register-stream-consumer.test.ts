import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RegisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import {
  createDeletingStreamJson,
  createOnDemandStreamJson,
  testStreamArn,
  transitionNeverMs,
} from '../../../testing/stream-lifecycle.js';
import { registerActiveConsumer, waitForConsumerStatus } from '../../../testing/subscriptions.js';

const arnPattern = 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function consumerCount(url: string, name: string): Promise<unknown> {
  const summary = await expectSuccess(url, 'DescribeStreamSummary', { StreamName: name });
  return (summary.StreamDescriptionSummary as { ConsumerCount: number }).ConsumerCount;
}

describe('RegisterStreamConsumer serialization', () => {
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(
      server.url,
      'RegisterStreamConsumer',
      (value) => ({ StreamARN: value, ConsumerName: 'c' }),
      'String',
    ));
  test('rejects a ConsumerName that is not a string', () =>
    expectWrongTypes(
      server.url,
      'RegisterStreamConsumer',
      (value) => ({ StreamARN: testStreamArn('s'), ConsumerName: value }),
      'String',
    ));
  test('rejects Tags that are not a map', () =>
    expectWrongTypes(
      server.url,
      'RegisterStreamConsumer',
      (value) => ({ StreamARN: testStreamArn('s'), ConsumerName: 'c', Tags: value }),
      'Map',
    ));
});

describe('RegisterStreamConsumer validation', () => {
  test('requires ConsumerName and StreamARN', () =>
    expectValidation(server.url, 'RegisterStreamConsumer', {}, [
      violation(null, 'consumerName', 'Member must not be null'),
      violation(null, 'streamARN', 'Member must not be null'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'RegisterStreamConsumer', { StreamARN: '', ConsumerName: '', Tags: {} }, [
      violation('{}', 'tags', 'Member must have length greater than or equal to 1'),
      violation('', 'consumerName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'consumerName', 'Member must have length greater than or equal to 1'),
      violation('', 'streamARN', arnPattern),
      violation('', 'streamARN', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits ConsumerName to 128 characters of [a-zA-Z0-9_.-]', async () => {
    await expectValidation(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('s'), ConsumerName: 'c'.repeat(129) },
      [violation('c'.repeat(129), 'consumerName', 'Member must have length less than or equal to 128')],
    );
    await expectValidation(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('s'), ConsumerName: 'a b' },
      [violation('a b', 'consumerName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+')],
    );
  });
});

describe('RegisterStreamConsumer behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'registered', 1);
    await createStreamJson(server.url, 'crowded', 1);
    await createDeletingStreamJson(server.url, 'registered-deleting');
  });

  test('registers a CREATING consumer under an ARN ending in its creation second, which becomes ACTIVE', async () => {
    const answer = await expectSuccess(server.url, 'RegisterStreamConsumer', {
      StreamARN: testStreamArn('registered'),
      ConsumerName: 'first',
    });
    const consumer = answer.Consumer as Record<string, unknown>;
    assert.deepEqual(Object.keys(consumer).sort(), [
      'ConsumerARN',
      'ConsumerCreationTimestamp',
      'ConsumerName',
      'ConsumerStatus',
    ]);
    assert.equal(consumer.ConsumerName, 'first');
    assert.equal(consumer.ConsumerStatus, 'CREATING');
    const seconds = Math.floor(consumer.ConsumerCreationTimestamp as number);
    assert.equal(consumer.ConsumerARN, `${testStreamArn('registered')}/consumer/first:${seconds}`);
    const described = await expectSuccess(server.url, 'DescribeStreamConsumer', { ConsumerARN: consumer.ConsumerARN });
    assert.ok(
      ['CREATING', 'ACTIVE'].includes((described.ConsumerDescription as { ConsumerStatus: string }).ConsumerStatus),
    );
    assert.equal(await consumerCount(server.url, 'registered'), 1);
  });
  test('keeps the Tags given at registration on the consumer', async () => {
    const answer = await expectSuccess(server.url, 'RegisterStreamConsumer', {
      StreamARN: testStreamArn('registered'),
      ConsumerName: 'tagged',
      Tags: { team: 'data', tier: '' },
    });
    const arn = (answer.Consumer as { ConsumerARN: string }).ConsumerARN;
    assert.deepEqual(await expectSuccess(server.url, 'ListTagsForResource', { ResourceARN: arn }), {
      Tags: [
        { Key: 'team', Value: 'data' },
        { Key: 'tier', Value: '' },
      ],
    });
  });
  test('registers through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(
        new RegisterStreamConsumerCommand({ StreamARN: testStreamArn('registered'), ConsumerName: 'sdk' }),
      );
      assert.equal(answer.Consumer?.ConsumerName, 'sdk');
      assert.ok(answer.Consumer?.ConsumerCreationTimestamp instanceof Date);
    } finally {
      client.destroy();
    }
  });
  test('refuses a name the stream already has', () =>
    expectError(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('registered'), ConsumerName: 'first' },
      'ResourceInUseException',
      'Consumer first under stream registered and account 000000000000 already exists.',
    ));
  test('refuses tags with characters AWS does not allow', () =>
    expectError(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('registered'), ConsumerName: 'badly-tagged', Tags: { 'team#': 'data' } },
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('registered-none'), ConsumerName: 'c' },
      'ResourceNotFoundException',
      'Stream registered-none under account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('registered-deleting'), ConsumerName: 'c' },
      'ResourceInUseException',
      'Stream registered-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
  test('allows 20 consumers per stream and refuses the 21st', async () => {
    for (let index = 0; index < 20; index++) await registerActiveConsumer(server.url, 'crowded', `reader-${index}`);
    await expectError(
      server.url,
      'RegisterStreamConsumer',
      { StreamARN: testStreamArn('crowded'), ConsumerName: 'one-too-many' },
      'LimitExceededException',
      'Stream crowded under account 000000000000 already has the maximum of 20 registered consumers.',
    );
    assert.equal(await consumerCount(server.url, 'crowded'), 20);
  });
});

describe('RegisterStreamConsumer limits that need their own server', () => {
  test('allows at most 5 consumers in CREATING at once', async () => {
    const slow = await startServerProcess({ inMemory: true, args: ['--register-consumer-ms', transitionNeverMs] });
    try {
      await createStreamJson(slow.url, 'slow', 1);
      for (let index = 0; index < 5; index++) {
        await expectSuccess(slow.url, 'RegisterStreamConsumer', {
          StreamARN: testStreamArn('slow'),
          ConsumerName: `c${index}`,
        });
      }
      await expectError(
        slow.url,
        'RegisterStreamConsumer',
        { StreamARN: testStreamArn('slow'), ConsumerName: 'c5' },
        'LimitExceededException',
        'Account 000000000000 already has 5 consumers in CREATING status. Wait until one of them is ACTIVE and register again.',
      );
    } finally {
      await slow.stop();
    }
  });
  test('allows 50 consumers on an on-demand stream while the account has On-demand Advantage', async () => {
    const advantage = await startServerProcess({ inMemory: true });
    try {
      await expectSuccess(advantage.url, 'UpdateAccountSettings', {
        MinimumThroughputBillingCommitment: { Status: 'ENABLED' },
      });
      await createOnDemandStreamJson(advantage.url, 'advantaged');
      await createStreamJson(advantage.url, 'provisioned', 1);
      for (let index = 0; index < 50; index++) await registerActiveConsumer(advantage.url, 'advantaged', `r${index}`);
      await expectError(
        advantage.url,
        'RegisterStreamConsumer',
        { StreamARN: testStreamArn('advantaged'), ConsumerName: 'r50' },
        'LimitExceededException',
        'Stream advantaged under account 000000000000 already has the maximum of 50 registered consumers.',
      );
      // A provisioned stream keeps the limit of 20 in the same account.
      for (let index = 0; index < 20; index++) await registerActiveConsumer(advantage.url, 'provisioned', `r${index}`);
      await expectError(
        advantage.url,
        'RegisterStreamConsumer',
        { StreamARN: testStreamArn('provisioned'), ConsumerName: 'r20' },
        'LimitExceededException',
        'Stream provisioned under account 000000000000 already has the maximum of 20 registered consumers.',
      );
    } finally {
      await advantage.stop();
    }
  });
});

describe('RegisterStreamConsumer across a restart', () => {
  test('keeps consumers, their tags and the stream’s count, and completes a registration that was due meanwhile', async () => {
    const first = await startServerProcess({ args: ['--register-consumer-ms', '1000'] });
    let second: ServerProcess | undefined;
    try {
      await createStreamJson(first.url, 'durable', 1);
      const active = await registerActiveConsumer(first.url, 'durable', 'settled');
      const answer = await expectSuccess(first.url, 'RegisterStreamConsumer', {
        StreamARN: testStreamArn('durable'),
        ConsumerName: 'pending',
        Tags: { team: 'data' },
      });
      const pending = (answer.Consumer as { ConsumerARN: string }).ConsumerARN;
      await first.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      second = await first.restart();
      const settled = await expectSuccess(second.url, 'DescribeStreamConsumer', { ConsumerARN: active });
      assert.equal((settled.ConsumerDescription as { ConsumerStatus: string }).ConsumerStatus, 'ACTIVE');
      await waitForConsumerStatus(second.url, pending, 'ACTIVE');
      assert.deepEqual((await expectSuccess(second.url, 'ListTagsForResource', { ResourceARN: pending })).Tags, [
        { Key: 'team', Value: 'data' },
      ]);
      assert.equal(await consumerCount(second.url, 'durable'), 2);
    } finally {
      await (second ?? first).stop();
    }
  });
});
