import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
let createdAfterMs: number;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  createdAfterMs = Date.now();
  await createStreamJson(server.url, 'summarised', 3);
});
after(async () => {
  await server.stop();
});

async function summary(url: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (await expectSuccess(url, 'DescribeStreamSummary', input)).StreamDescriptionSummary as Record<string, unknown>;
}

describe('DescribeStreamSummary serialization', () => {
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'DescribeStreamSummary', (value) => ({ StreamName: value }), 'String'));
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(server.url, 'DescribeStreamSummary', (value) => ({ StreamARN: value }), 'String'));
});

describe('DescribeStreamSummary validation', () => {
  test('rejects an empty StreamName with both its pattern and its length', () =>
    expectValidation(server.url, 'DescribeStreamSummary', { StreamName: '' }, [
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits StreamName to 128 characters', () =>
    expectValidation(server.url, 'DescribeStreamSummary', { StreamName: 'a'.repeat(129) }, [
      violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
  test('lists a bad StreamARN before a bad StreamName', () =>
    expectValidation(server.url, 'DescribeStreamSummary', { StreamName: 'a b', StreamARN: 'x' }, [
      violation(
        'x',
        'streamARN',
        'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
      ),
      violation('a b', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
    ]));
});

describe('DescribeStreamSummary behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'DescribeStreamSummary',
      {},
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'DescribeStreamSummary',
      { StreamName: 'nope' },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('returns the full summary of an ACTIVE 3-shard stream', async () => {
    const described = await summary(server.url, { StreamName: 'summarised' });
    const created = (described.StreamCreationTimestamp as number) * 1000;
    assert.ok(created >= createdAfterMs - 1000 && created <= Date.now() + 1000, `created at ${created}`);
    delete described.StreamCreationTimestamp;
    assert.deepEqual(described, {
      StreamName: 'summarised',
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/summarised',
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      RetentionPeriodHours: 24,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
      OpenShardCount: 3,
      ConsumerCount: 0,
      MaxRecordSizeInKiB: 1024,
    });
  });
  test('summarises the same stream when addressed by its ARN', async () => {
    const byArn = await summary(server.url, { StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/summarised' });
    assert.equal(byArn.StreamName, 'summarised');
    assert.equal(byArn.OpenShardCount, 3);
  });
  test('reflects a changed retention period', async () => {
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamName: 'summarised',
      RetentionPeriodHours: 48,
    });
    assert.equal((await summary(server.url, { StreamName: 'summarised' })).RetentionPeriodHours, 48);
  });
});

describe('DescribeStreamSummary behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 2 });
  });
  after(async () => {
    await slow.stop();
  });

  test('reports the CREATING status', async () => {
    assert.equal((await summary(slow.url, { StreamName: 'creating' })).StreamStatus, 'CREATING');
  });
});
