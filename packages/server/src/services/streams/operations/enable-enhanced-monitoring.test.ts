import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeStreamSummaryCommand, EnableEnhancedMonitoringCommand } from '@aws-sdk/client-kinesis';
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

const allMetrics = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
];
/** The MetricsName enum as AWS prints it: in its hash-table order (see protocol/coral-order.ts). */
const metricsEnum =
  '[ALL, WriteProvisionedThroughputExceeded, IteratorAgeMilliseconds, IncomingBytes, OutgoingRecords, ' +
  'ReadProvisionedThroughputExceeded, IncomingRecords, OutgoingBytes]';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function enabledMetrics(name: string): Promise<unknown> {
  const described = await expectSuccess(server.url, 'DescribeStream', { StreamName: name });
  return (described.StreamDescription as { EnhancedMonitoring: unknown }).EnhancedMonitoring;
}

describe('EnableEnhancedMonitoring serialization', () => {
  test('rejects a string as ShardLevelMetrics', () =>
    expectSerialization(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: 'metrics', ShardLevelMetrics: 'ALL' },
      'Expected list or null',
    ));
  test('rejects a number inside ShardLevelMetrics', () =>
    expectSerialization(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: 'metrics', ShardLevelMetrics: [1] },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
  test('rejects a boolean as StreamName', () =>
    expectSerialization(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: true, ShardLevelMetrics: ['ALL'] },
      'class java.lang.Boolean can not be converted to an String',
    ));
});

describe('EnableEnhancedMonitoring validation', () => {
  test('requires ShardLevelMetrics', () =>
    expectValidation(server.url, 'EnableEnhancedMonitoring', { StreamName: 'metrics' }, [
      violation(null, 'shardLevelMetrics', 'Member must not be null'),
    ]));
  test('requires at least one metric', () =>
    expectValidation(server.url, 'EnableEnhancedMonitoring', { StreamName: 'metrics', ShardLevelMetrics: [] }, [
      violation('[]', 'shardLevelMetrics', 'Member must have length greater than or equal to 1'),
    ]));
  test('refuses a metric the model does not list', () =>
    expectValidation(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: 'metrics', ShardLevelMetrics: ['IncomingBytes', 'Latency'] },
      [
        violation(
          '[IncomingBytes, Latency]',
          'shardLevelMetrics',
          `Member must satisfy constraint: [Member must satisfy enum value set: ${metricsEnum}]`,
        ),
      ],
    ));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamId: 'id', StreamARN: 'stream', ShardLevelMetrics: Array(8).fill('ALL'), StreamName: 'a b' },
      [
        violation('id', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
        violation(
          'stream',
          'streamARN',
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
        ),
        violation(
          `[${Array(8).fill('ALL').join(', ')}]`,
          'shardLevelMetrics',
          'Member must have length less than or equal to 7',
        ),
        violation('a b', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      ],
    ));
});

describe('EnableEnhancedMonitoring behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'metrics', 1);
    await createStreamJson(server.url, 'metrics-all', 1);
    await createStreamJson(server.url, 'metrics-arn', 1);
    await createDeletingStreamJson(server.url, 'metrics-deleting');
  });

  test('enables the listed metrics and answers the metrics before and after', async () => {
    assert.deepEqual(
      await expectSuccess(server.url, 'EnableEnhancedMonitoring', {
        StreamName: 'metrics',
        ShardLevelMetrics: ['OutgoingBytes', 'IncomingBytes'],
      }),
      {
        StreamName: 'metrics',
        StreamARN: testStreamArn('metrics'),
        CurrentShardLevelMetrics: [],
        DesiredShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'],
      },
    );
    assert.deepEqual(await enabledMetrics('metrics'), [{ ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'] }]);
  });
  test('adds to the metrics already enabled without repeating them', async () => {
    const answer = await expectSuccess(server.url, 'EnableEnhancedMonitoring', {
      StreamName: 'metrics',
      ShardLevelMetrics: ['IteratorAgeMilliseconds', 'IncomingBytes', 'IteratorAgeMilliseconds'],
    });
    assert.deepEqual(answer.CurrentShardLevelMetrics, ['IncomingBytes', 'OutgoingBytes']);
    assert.deepEqual(answer.DesiredShardLevelMetrics, ['IncomingBytes', 'OutgoingBytes', 'IteratorAgeMilliseconds']);
    assert.deepEqual(await enabledMetrics('metrics'), [
      { ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes', 'IteratorAgeMilliseconds'] },
    ]);
  });
  test('expands ALL to every metric of the model through the AWS SDK', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(
        new EnableEnhancedMonitoringCommand({ StreamName: 'metrics-all', ShardLevelMetrics: ['ALL'] }),
      );
      assert.deepEqual(answer.CurrentShardLevelMetrics, []);
      assert.deepEqual(answer.DesiredShardLevelMetrics, allMetrics);
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'metrics-all' }));
      assert.deepEqual(summary.StreamDescriptionSummary?.EnhancedMonitoring, [{ ShardLevelMetrics: allMetrics }]);
    } finally {
      client.destroy();
    }
  });
  test('addresses the stream by StreamARN', async () => {
    const answer = await expectSuccess(server.url, 'EnableEnhancedMonitoring', {
      StreamARN: testStreamArn('metrics-arn'),
      ShardLevelMetrics: ['IncomingRecords'],
    });
    assert.equal(answer.StreamName, 'metrics-arn');
    assert.deepEqual(await enabledMetrics('metrics-arn'), [{ ShardLevelMetrics: ['IncomingRecords'] }]);
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: 'metrics-none', ShardLevelMetrics: ['ALL'] },
      'ResourceNotFoundException',
      'Stream metrics-none under account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream that is not ACTIVE', () =>
    expectError(
      server.url,
      'EnableEnhancedMonitoring',
      { StreamName: 'metrics-deleting', ShardLevelMetrics: ['ALL'] },
      'ResourceInUseException',
      'Stream metrics-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'EnableEnhancedMonitoring',
      { ShardLevelMetrics: ['ALL'] },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
});
