import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeStreamSummaryCommand, UpdateStreamModeCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
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
import {
  testAccountId as account,
  createOnDemandStreamJson,
  testStreamArn,
  transitionNeverMs,
  waitForStatusJson,
} from '../../../testing/stream-lifecycle.js';

const arnPattern = 'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'moded', 2);
});
after(async () => {
  await server.stop();
});

const toMode = (name: string, mode: string) => ({
  StreamARN: testStreamArn(name),
  StreamModeDetails: { StreamMode: mode },
});

async function summary(name: string): Promise<Record<string, unknown>> {
  const answer = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: name });
  return answer.StreamDescriptionSummary as Record<string, unknown>;
}

describe('UpdateStreamMode serialization', () => {
  test('rejects a StreamARN that is not a string', () =>
    expectWrongTypes(server.url, 'UpdateStreamMode', (value) => ({ StreamARN: value }), 'String'));
  test('rejects StreamModeDetails that are not a structure', () =>
    expectWrongTypes(
      server.url,
      'UpdateStreamMode',
      (value) => ({ StreamARN: testStreamArn('moded'), StreamModeDetails: value }),
      'Structure',
    ));
  test('rejects a WarmThroughputMiBps that is not an integer', () =>
    expectWrongTypes(
      server.url,
      'UpdateStreamMode',
      (value) => ({ ...toMode('moded', 'ON_DEMAND'), WarmThroughputMiBps: value }),
      'Integer',
    ));
});

describe('UpdateStreamMode validation', () => {
  test('requires StreamARN and StreamModeDetails', () =>
    expectValidation(server.url, 'UpdateStreamMode', {}, [
      violation(null, 'streamModeDetails', 'Member must not be null'),
      violation(null, 'streamARN', 'Member must not be null'),
    ]));
  test('refuses an unknown StreamMode and a malformed StreamARN', () =>
    expectValidation(server.url, 'UpdateStreamMode', { StreamARN: 'moded', StreamModeDetails: { StreamMode: 'X' } }, [
      violation('X', 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]'),
      violation('moded', 'streamARN', arnPattern),
    ]));
  test('requires a StreamMode and a WarmThroughputMiBps of 0 or more', () =>
    expectValidation(
      server.url,
      'UpdateStreamMode',
      { StreamARN: testStreamArn('moded'), StreamModeDetails: {}, WarmThroughputMiBps: -1 },
      [
        violation(null, 'streamModeDetails.streamMode', 'Member must not be null'),
        violation('-1', 'warmThroughputMiBps', 'Member must have value greater than or equal to 0'),
      ],
    ));
});

describe('UpdateStreamMode behaviour', () => {
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'UpdateStreamMode',
      toMode('moded-none', 'ON_DEMAND'),
      'ResourceNotFoundException',
      `Stream moded-none under account ${account} not found.`,
    ));
  test('refuses to switch a stream to the mode it is in', () =>
    expectError(
      server.url,
      'UpdateStreamMode',
      toMode('moded', 'PROVISIONED'),
      'InvalidArgumentException',
      `Stream moded under account ${account} is already in PROVISIONED mode.`,
    ));
  test('refuses warm throughput for the PROVISIONED mode', async () => {
    await createOnDemandStreamJson(server.url, 'moded-on-demand');
    await expectError(
      server.url,
      'UpdateStreamMode',
      { ...toMode('moded-on-demand', 'PROVISIONED'), WarmThroughputMiBps: 100 },
      'InvalidArgumentException',
      'WarmThroughputMiBps can only be specified for the ON_DEMAND stream mode.',
    );
  });
  test('requires the billing commitment for warm throughput, as UpdateStreamWarmThroughput does', () =>
    expectError(
      server.url,
      'UpdateStreamMode',
      { ...toMode('moded', 'ON_DEMAND'), WarmThroughputMiBps: 100 },
      'InvalidArgumentException',
      `Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${account}. ` +
        'Enable it with UpdateAccountSettings.',
    ));

  test('switches when the update completes, keeping the shards, and counts as an on-demand stream after', async () => {
    const before = await expectSuccess(server.url, 'DescribeLimits', {});
    await expectEmptySuccess(server.url, 'UpdateStreamMode', toMode('moded', 'ON_DEMAND'));
    await waitForStatusJson(server.url, 'moded', 'ACTIVE');
    const switched = await summary('moded');
    assert.deepEqual([switched.StreamModeDetails, switched.OpenShardCount], [{ StreamMode: 'ON_DEMAND' }, 2]);
    const limits = await expectSuccess(server.url, 'DescribeLimits', {});
    assert.equal(limits.OnDemandStreamCount, (before.OnDemandStreamCount as number) + 1);
    await expectError(
      server.url,
      'UpdateShardCount',
      { StreamName: 'moded', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' },
      'ValidationException',
      `Request is invalid. Stream moded under account ${account} is in On-Demand mode.`,
    );
  });
  test('switches back through the AWS SDK, then refuses a third switch within 24 hours', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new UpdateStreamModeCommand({
          StreamARN: testStreamArn('moded'),
          StreamModeDetails: { StreamMode: 'PROVISIONED' },
        }),
      );
      await waitForStatusJson(server.url, 'moded', 'ACTIVE');
      const described = await client.send(new DescribeStreamSummaryCommand({ StreamName: 'moded' }));
      assert.equal(described.StreamDescriptionSummary?.StreamModeDetails?.StreamMode, 'PROVISIONED');
    } finally {
      client.destroy();
    }
    await expectError(
      server.url,
      'UpdateStreamMode',
      toMode('moded', 'ON_DEMAND'),
      'LimitExceededException',
      `The capacity mode of stream moded under account ${account} cannot be changed more than 2 times in a ` +
        'rolling 24-hour period.',
    );
  });
});

describe('UpdateStreamMode while the update is under way', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--update-stream-ms', transitionNeverMs] });
    await createStreamJson(slow.url, 'moded-slow', 1);
  });
  after(async () => {
    await slow.stop();
  });
  test('keeps the old mode while UPDATING, and refuses another update', async () => {
    await expectEmptySuccess(slow.url, 'UpdateStreamMode', toMode('moded-slow', 'ON_DEMAND'));
    const answer = await expectSuccess(slow.url, 'DescribeStreamSummary', { StreamName: 'moded-slow' });
    const updating = answer.StreamDescriptionSummary as Record<string, unknown>;
    assert.deepEqual([updating.StreamStatus, updating.StreamModeDetails], ['UPDATING', { StreamMode: 'PROVISIONED' }]);
    await expectError(
      slow.url,
      'UpdateStreamMode',
      toMode('moded-slow', 'PROVISIONED'),
      'ResourceInUseException',
      `Stream moded-slow under account ${account} not ACTIVE, instead in state UPDATING`,
    );
  });
});
