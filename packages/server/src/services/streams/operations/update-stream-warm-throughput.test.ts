import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeStreamSummaryCommand, UpdateStreamWarmThroughputCommand } from '@aws-sdk/client-kinesis';
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
import {
  createDeletingStreamJson,
  createOnDemandStreamJson,
  testStreamArn,
  transitionNeverMs,
  waitForStatusJson,
} from '../../../testing/stream-lifecycle.js';

/**
 * How long an update keeps a stream UPDATING here: ample time to observe UPDATING with the next
 * call (a local round trip takes about a millisecond), short enough to wait for ACTIVE.
 */
const updateStreamMs = 2000;

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({
    inMemory: true,
    args: ['--update-stream-ms', String(updateStreamMs), '--delete-stream-ms', transitionNeverMs],
  });
});
after(async () => {
  await server.stop();
});

async function summary(name: string): Promise<Record<string, unknown>> {
  const answer = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: name });
  return answer.StreamDescriptionSummary as Record<string, unknown>;
}

describe('UpdateStreamWarmThroughput serialization', () => {
  test('rejects a string as WarmThroughputMiBps', () =>
    expectSerialization(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm', WarmThroughputMiBps: '100' },
      'class java.lang.String can not be converted to an Integer',
    ));
  test('rejects a list as WarmThroughputMiBps', () =>
    expectSerialization(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm', WarmThroughputMiBps: [100] },
      'Start of list found where not expected',
    ));
  test('rejects a number as StreamName', () =>
    expectSerialization(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 100, WarmThroughputMiBps: 100 },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('UpdateStreamWarmThroughput validation', () => {
  test('requires WarmThroughputMiBps', () =>
    expectValidation(server.url, 'UpdateStreamWarmThroughput', { StreamName: 'warm' }, [
      violation(null, 'warmThroughputMiBps', 'Member must not be null'),
    ]));
  test('refuses a negative WarmThroughputMiBps', () =>
    expectValidation(server.url, 'UpdateStreamWarmThroughput', { StreamName: 'warm', WarmThroughputMiBps: -1 }, [
      violation('-1', 'warmThroughputMiBps', 'Member must have value greater than or equal to 0'),
    ]));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(
      server.url,
      'UpdateStreamWarmThroughput',
      { WarmThroughputMiBps: -5, StreamId: 'id', StreamName: 'a/b', StreamARN: 'warm' },
      [
        violation('id', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
        violation(
          'warm',
          'streamARN',
          'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
        ),
        violation('-5', 'warmThroughputMiBps', 'Member must have value greater than or equal to 0'),
        violation('a/b', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      ],
    ));
});

describe('UpdateStreamWarmThroughput behaviour', () => {
  before(async () => {
    await createOnDemandStreamJson(server.url, 'warm');
    await createOnDemandStreamJson(server.url, 'warm-sdk');
    await createStreamJson(server.url, 'warm-provisioned', 1);
    await createDeletingStreamJson(server.url, 'warm-deleting');
  });

  test('requires the account to have MinimumThroughputBillingCommitment enabled', () =>
    expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm', WarmThroughputMiBps: 100 },
      'InvalidArgumentException',
      'Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account 000000000000. ' +
        'Enable it with UpdateAccountSettings.',
    ));
  test('supports only ON_DEMAND streams', async () => {
    await expectSuccess(server.url, 'UpdateAccountSettings', {
      MinimumThroughputBillingCommitment: { Status: 'ENABLED' },
    });
    await expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm-provisioned', WarmThroughputMiBps: 100 },
      'InvalidArgumentException',
      'Warm throughput can only be updated for streams in ON_DEMAND mode. ' +
        'Stream warm-provisioned under account 000000000000 is in PROVISIONED mode.',
    );
  });
  test('refuses more than 10 GiBps', () =>
    expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm', WarmThroughputMiBps: 10241 },
      'LimitExceededException',
      'Requested warm throughput of 10241 MiBps exceeds the maximum of 10240 MiBps for an on-demand stream.',
    ));
  test('answers the target and current throughput and keeps the stream UPDATING until the update completes', async () => {
    assert.deepEqual(
      await expectSuccess(server.url, 'UpdateStreamWarmThroughput', { StreamName: 'warm', WarmThroughputMiBps: 10240 }),
      {
        StreamARN: testStreamArn('warm'),
        StreamName: 'warm',
        WarmThroughput: { TargetMiBps: 10240, CurrentMiBps: 0 },
      },
    );
    assert.equal((await summary('warm')).StreamStatus, 'UPDATING');
    await expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamARN: testStreamArn('warm'), WarmThroughputMiBps: 200 },
      'ResourceInUseException',
      'Stream warm under account 000000000000 not ACTIVE, instead in state UPDATING',
    );
    await waitForStatusJson(server.url, 'warm', 'ACTIVE');
    assert.deepEqual((await summary('warm')).WarmThroughput, { TargetMiBps: 10240, CurrentMiBps: 10240 });
  });
  test('scales down through the AWS SDK, answering the previous throughput as current', async () => {
    const client = kinesisClient(server.url);
    try {
      const first = await client.send(
        new UpdateStreamWarmThroughputCommand({ StreamARN: testStreamArn('warm-sdk'), WarmThroughputMiBps: 500 }),
      );
      assert.deepEqual(first.WarmThroughput, { TargetMiBps: 500, CurrentMiBps: 0 });
      await waitForStatusJson(server.url, 'warm-sdk', 'ACTIVE');
      const second = await client.send(
        new UpdateStreamWarmThroughputCommand({ StreamName: 'warm-sdk', WarmThroughputMiBps: 0 }),
      );
      assert.equal(second.StreamName, 'warm-sdk');
      assert.deepEqual(second.WarmThroughput, { TargetMiBps: 0, CurrentMiBps: 500 });
      await waitForStatusJson(server.url, 'warm-sdk', 'ACTIVE');
      const described = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'warm-sdk' }));
      assert.deepEqual(described.StreamDescriptionSummary?.WarmThroughput, { TargetMiBps: 0, CurrentMiBps: 0 });
    } finally {
      client.destroy();
    }
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm-none', WarmThroughputMiBps: 100 },
      'ResourceNotFoundException',
      'Stream warm-none under account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream being deleted', () =>
    expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { StreamName: 'warm-deleting', WarmThroughputMiBps: 100 },
      'ResourceInUseException',
      'Stream warm-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'UpdateStreamWarmThroughput',
      { WarmThroughputMiBps: 100 },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
});
