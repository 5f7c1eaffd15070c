import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  callJson,
  createStreamJson,
  deleteStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { registerActiveConsumer } from '../../../testing/subscriptions.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

const arnPattern = 'arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+';
const arnOf = (name: string, account = '000000000000'): string => `arn:aws:kinesis:us-east-1:${account}:stream/${name}`;

describe('DeleteStream serialization', () => {
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'DeleteStream', (value) => ({ StreamName: value }), 'String'));
  test('rejects an EnforceConsumerDeletion that is not a boolean', () =>
    expectWrongTypes(
      server.url,
      'DeleteStream',
      (value) => ({ StreamName: 'a', EnforceConsumerDeletion: value }),
      'Boolean',
    ));
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(server.url, 'DeleteStream', (value) => ({ StreamARN: value }), 'String'));
});

describe('DeleteStream validation', () => {
  test('rejects an empty StreamName with both its pattern and its length', () =>
    expectValidation(server.url, 'DeleteStream', { StreamName: '' }, [
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits StreamName to 128 characters', () =>
    expectValidation(server.url, 'DeleteStream', { StreamName: 'a'.repeat(129) }, [
      violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
  test('checks StreamARN against its pattern', () =>
    expectValidation(server.url, 'DeleteStream', { StreamARN: 'arn:aws:sqs:us-east-1:000000000000:queue' }, [
      violation(
        'arn:aws:sqs:us-east-1:000000000000:queue',
        'streamARN',
        `Member must satisfy regular expression pattern: ${arnPattern}`,
      ),
    ]));
  test('lists StreamId, StreamARN and StreamName violations in AWS member order', () =>
    expectValidation(server.url, 'DeleteStream', { StreamName: '', StreamARN: '', StreamId: '' }, [
      violation('', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
      violation('', 'streamId', 'Member must have length greater than or equal to 1'),
      violation('', 'streamARN', `Member must satisfy regular expression pattern: ${arnPattern}`),
      violation('', 'streamARN', 'Member must have length greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
});

describe('DeleteStream behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'DeleteStream',
      {},
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DeleteStream',
      { StreamName: 'nope' },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('answers ResourceNotFoundException for a stream ARN of another account', () =>
    expectError(
      server.url,
      'DeleteStream',
      { StreamARN: arnOf('nope', '111111111111') },
      'ResourceNotFoundException',
      'Stream nope under account 111111111111 not found.',
    ));
  test('refuses a StreamName and a StreamARN that name different streams', () =>
    expectError(
      server.url,
      'DeleteStream',
      { StreamName: 'one', StreamARN: arnOf('two') },
      'InvalidArgumentException',
      `StreamName one and StreamARN ${arnOf('two')} do not refer to the same stream.`,
    ));
  test('deletes an ACTIVE stream with an empty answer, after which it is not found', async () => {
    await createStreamJson(server.url, 'doomed', 2);
    await deleteStreamJson(server.url, 'doomed');
    await expectError(
      server.url,
      'DescribeStream',
      { StreamName: 'doomed' },
      'ResourceNotFoundException',
      'Stream doomed under account 000000000000 not found.',
    );
    const listed = await expectSuccess(server.url, 'ListStreams', {});
    assert.ok(!(listed.StreamNames as string[]).includes('doomed'));
  });
  test('deletes a stream addressed by its ARN', async () => {
    await createStreamJson(server.url, 'by-arn', 1);
    await expectEmptySuccess(server.url, 'DeleteStream', { StreamARN: arnOf('by-arn') });
    let gone = false;
    for (let attempt = 0; attempt < 200 && !gone; attempt++) {
      const answer = await callJson(server.url, 'DescribeStreamSummary', { StreamName: 'by-arn' });
      gone = answer.body.__type === 'ResourceNotFoundException';
    }
    assert.ok(gone, 'the stream went away');
  });
  test('lets a deleted name be created again, with new shards', async () => {
    await createStreamJson(server.url, 'reborn', 1);
    const first = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'reborn' });
    await deleteStreamJson(server.url, 'reborn');
    await createStreamJson(server.url, 'reborn', 2);
    const second = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'reborn' });
    assert.equal((second.StreamDescriptionSummary as { OpenShardCount: number }).OpenShardCount, 2);
    assert.ok(
      (second.StreamDescriptionSummary as { StreamCreationTimestamp: number }).StreamCreationTimestamp >=
        (first.StreamDescriptionSummary as { StreamCreationTimestamp: number }).StreamCreationTimestamp,
    );
  });
  test('refuses a stream with registered consumers unless EnforceConsumerDeletion is set', async () => {
    await createStreamJson(server.url, 'consumed', 1);
    await registerActiveConsumer(server.url, 'consumed', 'reader');
    await expectError(
      server.url,
      'DeleteStream',
      { StreamName: 'consumed' },
      'ResourceInUseException',
      "DeleteStream can't delete 000000000000:consumed because there are consumers associated with this data " +
        'stream. To delete consumed anyway, set the EnforceConsumerDeletion parameter to true to force the ' +
        'deletion of all the consumers that are associated with it.',
    );
    await expectEmptySuccess(server.url, 'DeleteStream', { StreamName: 'consumed', EnforceConsumerDeletion: true });
    let gone = false;
    for (let attempt = 0; attempt < 200 && !gone; attempt++) {
      const answer = await callJson(server.url, 'DescribeStreamSummary', { StreamName: 'consumed' });
      gone = answer.body.__type === 'ResourceNotFoundException';
    }
    assert.ok(gone, 'the stream went away');
    // A new stream of the same name starts without the old one's consumers.
    await createStreamJson(server.url, 'consumed', 1);
    assert.deepEqual(await expectSuccess(server.url, 'ListStreamConsumers', { StreamARN: arnOf('consumed') }), {
      Consumers: [],
    });
    const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'consumed' });
    assert.equal((summary.StreamDescriptionSummary as { ConsumerCount: number }).ConsumerCount, 0);
  });
});

describe('DeleteStream behaviour while streams are CREATING or DELETING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({
      inMemory: true,
      args: ['--create-stream-ms', '60000', '--delete-stream-ms', '60000'],
    });
  });
  after(async () => {
    await slow.stop();
  });

  test('deletes a stream that is still CREATING, which then shows as DELETING without shards', async () => {
    const createdAfterSeconds = Math.floor(Date.now() / 1000);
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'young', ShardCount: 1 });
    await expectEmptySuccess(slow.url, 'DeleteStream', { StreamName: 'young' });
    const answer = await expectSuccess(slow.url, 'DescribeStream', { StreamName: 'young' });
    const description = answer.StreamDescription as Record<string, unknown>;
    const created = description.StreamCreationTimestamp as number;
    assert.ok(created >= createdAfterSeconds && created <= Date.now() / 1000 + 1, `created at ${created}`);
    delete description.StreamCreationTimestamp;
    assert.deepEqual(description, {
      StreamName: 'young',
      StreamARN: arnOf('young'),
      StreamStatus: 'DELETING',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      Shards: [],
      HasMoreShards: false,
      RetentionPeriodHours: 24,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
    });
  });
  test('accepts a second delete of a DELETING stream', () =>
    expectEmptySuccess(slow.url, 'DeleteStream', { StreamName: 'young' }));
  test('keeps the name taken while the stream is DELETING', () =>
    expectError(
      slow.url,
      'CreateStream',
      { StreamName: 'young', ShardCount: 1 },
      'ResourceInUseException',
      'Stream young under account 000000000000 already exists.',
    ));
  test('refuses writes to a DELETING stream as if it were gone', () =>
    expectError(
      slow.url,
      'PutRecords',
      { StreamName: 'young', Records: [{ PartitionKey: 'a', Data: '' }] },
      'ResourceNotFoundException',
      'Stream young under account 000000000000 not found.',
    ));
});
