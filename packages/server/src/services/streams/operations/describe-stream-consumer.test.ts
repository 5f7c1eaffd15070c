import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeStreamConsumerCommand } from '@aws-sdk/client-kinesis';
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
import { testStreamArn } from '../../../testing/stream-lifecycle.js';
import { registerActiveConsumer } from '../../../testing/subscriptions.js';

const consumerArnPattern =
  'Member must satisfy regular expression pattern: ' +
  '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

describe('DescribeStreamConsumer serialization', () => {
  test('rejects a ConsumerARN that is not a string', () =>
    expectWrongTypes(server.url, 'DescribeStreamConsumer', (value) => ({ ConsumerARN: value }), 'String'));
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(
      server.url,
      'DescribeStreamConsumer',
      (value) => ({ StreamARN: value, ConsumerName: 'c' }),
      'String',
    ));
});

describe('DescribeStreamConsumer validation', () => {
  test('checks ConsumerARN against its pattern (a creation time is required)', () =>
    expectValidation(server.url, 'DescribeStreamConsumer', { ConsumerARN: `${testStreamArn('x')}/consumer/c` }, [
      violation(`${testStreamArn('x')}/consumer/c`, 'consumerARN', consumerArnPattern),
    ]));
  test('limits ConsumerName to 128 characters', () =>
    expectValidation(
      server.url,
      'DescribeStreamConsumer',
      { StreamARN: testStreamArn('x'), ConsumerName: 'c'.repeat(129) },
      [violation('c'.repeat(129), 'consumerName', 'Member must have length less than or equal to 128')],
    ));
});

describe('DescribeStreamConsumer behaviour', () => {
  let consumerArn: string;
  before(async () => {
    await createStreamJson(server.url, 'described', 1);
    consumerArn = await registerActiveConsumer(server.url, 'described', 'reader');
  });

  test('describes a consumer named by ARN, with its stream’s ARN', async () => {
    const answer = await expectSuccess(server.url, 'DescribeStreamConsumer', { ConsumerARN: consumerArn });
    const description = answer.ConsumerDescription as Record<string, unknown>;
    assert.deepEqual(Object.keys(description).sort(), [
      'ConsumerARN',
      'ConsumerCreationTimestamp',
      'ConsumerName',
      'ConsumerStatus',
      'StreamARN',
    ]);
    assert.equal(description.ConsumerARN, consumerArn);
    assert.equal(description.ConsumerName, 'reader');
    assert.equal(description.ConsumerStatus, 'ACTIVE');
    assert.equal(description.StreamARN, testStreamArn('described'));
    assert.equal(`${Math.floor(description.ConsumerCreationTimestamp as number)}`, consumerArn.split(':').at(-1));
  });
  test('describes the same consumer named by stream and name', async () => {
    const byArn = await expectSuccess(server.url, 'DescribeStreamConsumer', { ConsumerARN: consumerArn });
    const byName = await expectSuccess(server.url, 'DescribeStreamConsumer', {
      StreamARN: testStreamArn('described'),
      ConsumerName: 'reader',
    });
    assert.deepEqual(byName, byArn);
  });
  test('describes through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      assert.equal(answer.ConsumerDescription?.ConsumerStatus, 'ACTIVE');
      assert.ok(answer.ConsumerDescription?.ConsumerCreationTimestamp instanceof Date);
    } finally {
      client.destroy();
    }
  });
  test('requires ConsumerARN, or StreamARN and ConsumerName', () =>
    expectError(
      server.url,
      'DescribeStreamConsumer',
      { ConsumerName: 'reader' },
      'InvalidArgumentException',
      'Either ConsumerARN or both StreamARN and ConsumerName must be provided.',
    ));
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'DescribeStreamConsumer',
      { ConsumerARN: `${testStreamArn('described')}/consumer/nobody:1700000000` },
      'ResourceNotFoundException',
      'Consumer nobody with creation timestamp 1700000000 under stream: described, account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a consumer ARN of another account', () =>
    expectError(
      server.url,
      'DescribeStreamConsumer',
      { ConsumerARN: 'arn:aws:kinesis:us-east-1:111111111111:stream/described/consumer/reader:1700000000' },
      'ResourceNotFoundException',
      'Stream described under account 111111111111 not found.',
    ));
});
