import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeStreamCommand, DisableEnhancedMonitoringCommand } from '@aws-sdk/client-kinesis';
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

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function enableAll(name: string): Promise<void> {
  await createStreamJson(server.url, name, 1);
  await expectSuccess(server.url, 'EnableEnhancedMonitoring', { StreamName: name, ShardLevelMetrics: ['ALL'] });
}

describe('DisableEnhancedMonitoring serialization', () => {
  test('rejects a map as ShardLevelMetrics', () =>
    expectSerialization(
      server.url,
      'DisableEnhancedMonitoring',
      { StreamName: 'quiet', ShardLevelMetrics: { ALL: true } },
      'Start of structure or map found where not expected.',
    ));
  test('rejects a boolean inside ShardLevelMetrics', () =>
    expectSerialization(
      server.url,
      'DisableEnhancedMonitoring',
      { StreamName: 'quiet', ShardLevelMetrics: [false] },
      'class java.lang.Boolean can not be converted to an String',
    ));
  test('rejects a number as StreamARN', () =>
    expectSerialization(
      server.url,
      'DisableEnhancedMonitoring',
      { StreamARN: 12, ShardLevelMetrics: ['ALL'] },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('DisableEnhancedMonitoring validation', () => {
  test('requires ShardLevelMetrics', () =>
    expectValidation(server.url, 'DisableEnhancedMonitoring', { StreamName: 'quiet' }, [
      violation(null, 'shardLevelMetrics', 'Member must not be null'),
    ]));
  test('refuses a null inside ShardLevelMetrics', () =>
    expectValidation(server.url, 'DisableEnhancedMonitoring', { StreamName: 'quiet', ShardLevelMetrics: [null] }, [
      violation('[null]', 'shardLevelMetrics', 'Member must satisfy constraint: [Member must not be null]'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'DisableEnhancedMonitoring', { ShardLevelMetrics: [], StreamName: 'n'.repeat(129) }, [
      violation('[]', 'shardLevelMetrics', 'Member must have length greater than or equal to 1'),
      violation('n'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
});

describe('DisableEnhancedMonitoring behaviour', () => {
  before(async () => {
    await enableAll('quiet');
    await enableAll('quiet-all');
    await enableAll('quiet-sdk');
    await createDeletingStreamJson(server.url, 'quiet-deleting');
  });

  test('disables the listed metrics and answers the metrics before and after', async () => {
    const desired = allMetrics.filter((metric) => metric !== 'OutgoingBytes' && metric !== 'IteratorAgeMilliseconds');
    assert.deepEqual(
      await expectSuccess(server.url, 'DisableEnhancedMonitoring', {
        StreamName: 'quiet',
        ShardLevelMetrics: ['IteratorAgeMilliseconds', 'OutgoingBytes'],
      }),
      {
        StreamName: 'quiet',
        StreamARN: testStreamArn('quiet'),
        CurrentShardLevelMetrics: allMetrics,
        DesiredShardLevelMetrics: desired,
      },
    );
    const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'quiet' });
    assert.deepEqual((summary.StreamDescriptionSummary as { EnhancedMonitoring: unknown }).EnhancedMonitoring, [
      { ShardLevelMetrics: desired },
    ]);
  });
  test('leaves the metrics unchanged when none of the listed ones is enabled', async () => {
    const answer = await expectSuccess(server.url, 'DisableEnhancedMonitoring', {
      StreamName: 'quiet',
      ShardLevelMetrics: ['OutgoingBytes'],
    });
    assert.deepEqual(answer.DesiredShardLevelMetrics, answer.CurrentShardLevelMetrics);
    assert.equal((answer.DesiredShardLevelMetrics as string[]).length, allMetrics.length - 2);
  });
  test('disables every metric for ALL', async () => {
    const answer = await expectSuccess(server.url, 'DisableEnhancedMonitoring', {
      StreamARN: testStreamArn('quiet-all'),
      ShardLevelMetrics: ['ALL'],
    });
    assert.deepEqual(answer.CurrentShardLevelMetrics, allMetrics);
    assert.deepEqual(answer.DesiredShardLevelMetrics, []);
  });
  test('answers the AWS SDK, and DescribeStream shows the change', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(
        new DisableEnhancedMonitoringCommand({ StreamName: 'quiet-sdk', ShardLevelMetrics: ['IncomingBytes'] }),
      );
      assert.deepEqual(answer.DesiredShardLevelMetrics, allMetrics.slice(1));
      const described = await client.send(new DescribeStreamCommand({ StreamName: 'quiet-sdk' }));
      assert.deepEqual(described.StreamDescription?.EnhancedMonitoring, [{ ShardLevelMetrics: allMetrics.slice(1) }]);
    } finally {
      client.destroy();
    }
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DisableEnhancedMonitoring',
      { StreamName: 'quiet-none', ShardLevelMetrics: ['ALL'] },
      'ResourceNotFoundException',
      'Stream quiet-none under account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream that is not ACTIVE', () =>
    expectError(
      server.url,
      'DisableEnhancedMonitoring',
      { StreamName: 'quiet-deleting', ShardLevelMetrics: ['ALL'] },
      'ResourceInUseException',
      'Stream quiet-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
