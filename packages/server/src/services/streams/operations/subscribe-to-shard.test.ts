/**
 * SubscribeToShard's answers before the event stream starts — every one a plain AWS error — and
 * the shape of the stream itself in JSON. Delivery, lifetimes and takeovers are covered by
 * shard-subscription.test.ts (in process) and wire-tests/subscribe-to-shard-*.test.ts (SDK, CBOR).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectError,
  expectErrorMatching,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { testStreamArn, transitionNeverMs } from '../../../testing/stream-lifecycle.js';
import { nextFrame, openRawSubscription, registerActiveConsumer } from '../../../testing/subscriptions.js';

const consumerArnPattern =
  'Member must satisfy regular expression pattern: ' +
  '^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+';
const shardId = 'shardId-000000000000';

let server: ServerProcess;
let consumerArn: string;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'subscribed', 2);
  consumerArn = await registerActiveConsumer(server.url, 'subscribed', 'reader');
});
after(async () => {
  await server.stop();
});

const input = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  ConsumerARN: consumerArn,
  ShardId: shardId,
  StartingPosition: { Type: 'LATEST' },
  ...overrides,
});

describe('SubscribeToShard serialization', () => {
  test('rejects a ConsumerARN that is not a string', () =>
    expectWrongTypes(server.url, 'SubscribeToShard', (value) => input({ ConsumerARN: value }), 'String'));
  test('rejects a StartingPosition that is not a structure', () =>
    expectWrongTypes(server.url, 'SubscribeToShard', (value) => input({ StartingPosition: value }), 'Structure'));
  test('rejects a StartingPosition Timestamp that is not a timestamp', () =>
    expectWrongTypes(
      server.url,
      'SubscribeToShard',
      (value) => input({ StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: value } }),
      'Timestamp',
    ));
});

describe('SubscribeToShard validation', () => {
  test('requires ShardId, StartingPosition and ConsumerARN', () =>
    expectValidation(server.url, 'SubscribeToShard', {}, [
      violation(null, 'shardId', 'Member must not be null'),
      violation(null, 'startingPosition', 'Member must not be null'),
      violation(null, 'consumerARN', 'Member must not be null'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'SubscribeToShard', { ConsumerARN: 'a', ShardId: '', StartingPosition: {} }, [
      violation('', 'shardId', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'shardId', 'Member must have length greater than or equal to 1'),
      violation(null, 'startingPosition.type', 'Member must not be null'),
      violation('a', 'consumerARN', consumerArnPattern),
    ]));
  test('checks the StartingPosition Type against its enum', () =>
    expectValidation(server.url, 'SubscribeToShard', input({ StartingPosition: { Type: 'FIRST' } }), [
      violation(
        'FIRST',
        'startingPosition.type',
        'Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]',
      ),
    ]));
  test('checks the StartingPosition SequenceNumber against its pattern', () =>
    expectValidation(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '01' } }),
      [
        violation(
          '01',
          'startingPosition.sequenceNumber',
          'Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})',
        ),
      ],
    ));
});

describe('SubscribeToShard behaviour', () => {
  test('answers 200 with an event stream: initial-response, then a SubscribeToShardEvent', async () => {
    const subscription = await openRawSubscription(server.url, input({ ShardId: 'shardId-000000000001' }));
    try {
      assert.equal(subscription.statusCode, 200);
      assert.equal(subscription.headers['content-type'], 'application/vnd.amazon.eventstream');
      assert.equal(subscription.headers['content-length'], undefined);
      const initial = await nextFrame(subscription);
      assert.deepEqual(initial, {
        headers: {
          ':message-type': 'event',
          ':event-type': 'initial-response',
          ':content-type': 'application/x-amz-json-1.1',
        },
        payload: {},
      });
      const first = await nextFrame(subscription);
      assert.equal(first.headers[':event-type'], 'SubscribeToShardEvent');
      assert.deepEqual(first.payload.Records, []);
      assert.equal(first.payload.MillisBehindLatest, 0);
      assert.match(String(first.payload.ContinuationSequenceNumber), /^[1-9]\d{0,128}$/);
    } finally {
      subscription.close();
    }
  });
  test('refuses a second subscription of the consumer to the shard within 5 s', async () => {
    const subscription = await openRawSubscription(server.url, input());
    try {
      await nextFrame(subscription);
      await expectError(
        server.url,
        'SubscribeToShard',
        input(),
        'ResourceInUseException',
        `Another active subscription exists for this consumer: ${consumerArn}`,
      );
    } finally {
      subscription.close();
    }
  });
  test('answers ResourceNotFoundException for a consumer that is not registered', () =>
    expectError(
      server.url,
      'SubscribeToShard',
      input({ ConsumerARN: `${testStreamArn('subscribed')}/consumer/nobody:1700000000` }),
      'ResourceNotFoundException',
      'Consumer nobody with creation timestamp 1700000000 under stream: subscribed, account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'SubscribeToShard',
      input({ ConsumerARN: `${testStreamArn('subscribed-none')}/consumer/reader:1700000000` }),
      'ResourceNotFoundException',
      'Stream subscribed-none under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a shard the stream does not have', async () => {
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ ShardId: 'shardId-000000000009' }),
      'ResourceNotFoundException',
      'Shard shardId-000000000009 in stream subscribed under account 000000000000 does not exist',
    );
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ ShardId: 'shardId-x' }),
      'ResourceNotFoundException',
      'Could not find shard shardId-x in stream subscribed under account 000000000000.',
    );
  });
  test('requires a SequenceNumber for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER, and none for LATEST', async () => {
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'AFTER_SEQUENCE_NUMBER' } }),
      'InvalidArgumentException',
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and SequenceNumber or (2) TRIM_HORIZON ' +
        'or LATEST and no SequenceNumber. Request specified AFTER_SEQUENCE_NUMBER and no SequenceNumber.',
    );
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'LATEST', SequenceNumber: '1' } }),
      'InvalidArgumentException',
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and SequenceNumber or (2) TRIM_HORIZON ' +
        'or LATEST and no SequenceNumber. Request specified LATEST and also a SequenceNumber.',
    );
  });
  test('refuses a SequenceNumber that is not one of the shard’s', async () => {
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '12345' } }),
      'InvalidArgumentException',
      `SequenceNumber 12345 used in SubscribeToShard on shard ${shardId} in stream subscribed under account ` +
        '000000000000 is invalid.',
    );
    const put = await expectSuccess(server.url, 'PutRecord', {
      StreamName: 'subscribed',
      PartitionKey: 'a',
      ExplicitHashKey: '0',
      Data: 'AA==',
    });
    await expectError(
      server.url,
      'SubscribeToShard',
      input({
        ShardId: 'shardId-000000000001',
        StartingPosition: { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: put.SequenceNumber },
      }),
      'InvalidArgumentException',
      'Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with ' +
        'shardId-000000000001',
    );
  });
  test('requires a Timestamp for AT_TIMESTAMP, and not one in the future', async () => {
    await expectError(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'AT_TIMESTAMP' } }),
      'InvalidArgumentException',
      'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
    );
    await expectErrorMatching(
      server.url,
      'SubscribeToShard',
      input({ StartingPosition: { Type: 'AT_TIMESTAMP', Timestamp: Date.now() / 1000 + 3600 } }),
      'InvalidArgumentException',
      /^The timestampInMillis parameter cannot be greater than the currentTimestampInMillis\. timestampInMillis: \d+, currentTimestampInMillis: \d+$/,
    );
  });
});

describe('SubscribeToShard for a consumer that is not ACTIVE', () => {
  let creating: ServerProcess;
  before(async () => {
    creating = await startServerProcess({ inMemory: true, args: ['--register-consumer-ms', transitionNeverMs] });
    await createStreamJson(creating.url, 'early', 1);
  });
  after(async () => {
    await creating.stop();
  });

  test('answers ResourceInUseException while the consumer is CREATING', async () => {
    const answer = await expectSuccess(creating.url, 'RegisterStreamConsumer', {
      StreamARN: testStreamArn('early'),
      ConsumerName: 'eager',
    });
    const consumer = answer.Consumer as { ConsumerARN: string; ConsumerCreationTimestamp: number };
    await expectError(
      creating.url,
      'SubscribeToShard',
      { ConsumerARN: consumer.ConsumerARN, ShardId: shardId, StartingPosition: { Type: 'LATEST' } },
      'ResourceInUseException',
      `Consumer eager with creation timestamp ${Math.floor(consumer.ConsumerCreationTimestamp)} under stream: early , ` +
        'account 000000000000 is not in ACTIVE status.',
    );
  });
});
