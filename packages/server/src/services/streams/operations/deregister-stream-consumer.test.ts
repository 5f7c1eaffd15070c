import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeregisterStreamConsumerCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  callJson,
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { testStreamArn, transitionNeverMs } from '../../../testing/stream-lifecycle.js';
import { registerActiveConsumer, waitForConsumerStatus } from '../../../testing/subscriptions.js';

const consumerArnPattern =
  'Member must satisfy regular expression pattern: ' +
  '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+';
const streamArnPattern = 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+';
const pollsMax = 1000;

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

async function waitUntilGone(url: string, consumerArn: string): Promise<void> {
  for (let poll = 0; poll < pollsMax; poll++) {
    const answer = await callJson(url, 'DescribeStreamConsumer', { ConsumerARN: consumerArn });
    if (answer.body.__type === 'ResourceNotFoundException') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`consumer ${consumerArn} was not removed`);
}

describe('DeregisterStreamConsumer serialization', () => {
  test('rejects a ConsumerARN that is not a string', () =>
    expectWrongTypes(server.url, 'DeregisterStreamConsumer', (value) => ({ ConsumerARN: value }), 'String'));
  test('rejects a ConsumerName that is not a string', () =>
    expectWrongTypes(
      server.url,
      'DeregisterStreamConsumer',
      (value) => ({ StreamARN: testStreamArn('s'), ConsumerName: value }),
      'String',
    ));
});

describe('DeregisterStreamConsumer validation', () => {
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'DeregisterStreamConsumer', { ConsumerARN: 'x', StreamARN: 'y', ConsumerName: '' }, [
      violation('', 'consumerName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'consumerName', 'Member must have length greater than or equal to 1'),
      violation('x', 'consumerARN', consumerArnPattern),
      violation('y', 'streamARN', streamArnPattern),
    ]));
  test('refuses a stream ARN as ConsumerARN', () =>
    expectValidation(server.url, 'DeregisterStreamConsumer', { ConsumerARN: testStreamArn('s') }, [
      violation(testStreamArn('s'), 'consumerARN', consumerArnPattern),
    ]));
});

describe('DeregisterStreamConsumer behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'leaving', 1);
  });

  test('requires ConsumerARN, or StreamARN and ConsumerName', async () => {
    const message = 'Either ConsumerARN or both StreamARN and ConsumerName must be provided.';
    await expectError(server.url, 'DeregisterStreamConsumer', {}, 'InvalidArgumentException', message);
    await expectError(
      server.url,
      'DeregisterStreamConsumer',
      { ConsumerName: 'c' },
      'InvalidArgumentException',
      message,
    );
    await expectError(
      server.url,
      'DeregisterStreamConsumer',
      { StreamARN: testStreamArn('leaving') },
      'InvalidArgumentException',
      message,
    );
  });
  test('removes a consumer named by ARN, and the stream counts one fewer', async () => {
    const arn = await registerActiveConsumer(server.url, 'leaving', 'by-arn');
    await expectEmptySuccess(server.url, 'DeregisterStreamConsumer', { ConsumerARN: arn });
    await waitUntilGone(server.url, arn);
    const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'leaving' });
    assert.equal((summary.StreamDescriptionSummary as { ConsumerCount: number }).ConsumerCount, 0);
  });
  test('removes a consumer named by stream and name', async () => {
    const arn = await registerActiveConsumer(server.url, 'leaving', 'by-name');
    await expectEmptySuccess(server.url, 'DeregisterStreamConsumer', {
      StreamARN: testStreamArn('leaving'),
      ConsumerName: 'by-name',
    });
    await waitUntilGone(server.url, arn);
  });
  test('deregisters through the AWS SDK', async () => {
    const arn = await registerActiveConsumer(server.url, 'leaving', 'sdk');
    const client = kinesisClient(server.url);
    try {
      await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: arn }));
      await waitUntilGone(server.url, arn);
    } finally {
      client.destroy();
    }
  });
  test('answers ResourceNotFoundException for a consumer ARN that is not registered', () =>
    expectError(
      server.url,
      'DeregisterStreamConsumer',
      { ConsumerARN: `${testStreamArn('leaving')}/consumer/nobody:1700000000` },
      'ResourceNotFoundException',
      'Consumer nobody with creation timestamp 1700000000 under stream: leaving, account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for an ARN whose creation time is not the consumer’s', async () => {
    const arn = await registerActiveConsumer(server.url, 'leaving', 'stale');
    const stale = arn.replace(/:(\d+)$/, ':1000');
    await expectError(
      server.url,
      'DeregisterStreamConsumer',
      { ConsumerARN: stale },
      'ResourceNotFoundException',
      'Consumer stale with creation timestamp 1000 under stream: leaving, account 000000000000 not found.',
    );
  });
  test('answers ResourceNotFoundException for a name the stream does not have', () =>
    expectError(
      server.url,
      'DeregisterStreamConsumer',
      { StreamARN: testStreamArn('leaving'), ConsumerName: 'nobody' },
      'ResourceNotFoundException',
      'Consumer nobody under stream: leaving, account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DeregisterStreamConsumer',
      { ConsumerARN: `${testStreamArn('leaving-none')}/consumer/c:1700000000` },
      'ResourceNotFoundException',
      'Stream leaving-none under account 000000000000 not found.',
    ));
});

describe('DeregisterStreamConsumer with slow transitions', () => {
  let creating: ServerProcess;
  let deleting: ServerProcess;
  before(async () => {
    creating = await startServerProcess({ inMemory: true, args: ['--register-consumer-ms', transitionNeverMs] });
    deleting = await startServerProcess({ inMemory: true, args: ['--deregister-consumer-ms', transitionNeverMs] });
    await createStreamJson(creating.url, 'slow', 1);
    await createStreamJson(deleting.url, 'slow', 1);
  });
  after(async () => {
    await creating.stop();
    await deleting.stop();
  });

  test('refuses a consumer that is still CREATING', async () => {
    const answer = await expectSuccess(creating.url, 'RegisterStreamConsumer', {
      StreamARN: testStreamArn('slow'),
      ConsumerName: 'young',
    });
    const consumer = answer.Consumer as { ConsumerARN: string; ConsumerCreationTimestamp: number };
    await expectError(
      creating.url,
      'DeregisterStreamConsumer',
      { ConsumerARN: consumer.ConsumerARN },
      'ResourceInUseException',
      `Consumer young with creation timestamp ${Math.floor(consumer.ConsumerCreationTimestamp)} under stream slow ` +
        'and account 000000000000 is not in ACTIVE status.',
    );
  });
  test('shows a deregistered consumer as DELETING until it is gone, and refuses to deregister it again', async () => {
    const arn = await registerActiveConsumer(deleting.url, 'slow', 'going');
    await expectEmptySuccess(deleting.url, 'DeregisterStreamConsumer', { ConsumerARN: arn });
    await waitForConsumerStatus(deleting.url, arn, 'DELETING');
    const listed = await expectSuccess(deleting.url, 'ListStreamConsumers', { StreamARN: testStreamArn('slow') });
    assert.deepEqual(
      (listed.Consumers as Array<{ ConsumerStatus: string }>).map((consumer) => consumer.ConsumerStatus),
      ['DELETING'],
    );
    const seconds = arn.slice(arn.lastIndexOf(':') + 1);
    await expectError(
      deleting.url,
      'DeregisterStreamConsumer',
      { ConsumerARN: arn },
      'ResourceInUseException',
      `Consumer going with creation timestamp ${seconds} under stream slow and account 000000000000 is not in ACTIVE status.`,
    );
  });
});
