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
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'kept', 1);
});
after(async () => {
  await server.stop();
});

async function retentionOf(stream: string): Promise<number> {
  const answer = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: stream });
  return (answer.StreamDescriptionSummary as { RetentionPeriodHours: number }).RetentionPeriodHours;
}

describe('IncreaseStreamRetentionPeriod serialization', () => {
  test('rejects a RetentionPeriodHours that is not an integer', () =>
    expectWrongTypes(
      server.url,
      'IncreaseStreamRetentionPeriod',
      (value) => ({ StreamName: 'kept', RetentionPeriodHours: value }),
      'Integer',
    ));
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(
      server.url,
      'IncreaseStreamRetentionPeriod',
      (value) => ({ StreamName: value, RetentionPeriodHours: 48 }),
      'String',
    ));
});

describe('IncreaseStreamRetentionPeriod validation', () => {
  test('requires RetentionPeriodHours', () =>
    expectValidation(server.url, 'IncreaseStreamRetentionPeriod', { StreamName: 'kept' }, [
      violation(null, 'retentionPeriodHours', 'Member must not be null'),
    ]));
  test('lists a missing RetentionPeriodHours before an empty StreamName', () =>
    expectValidation(server.url, 'IncreaseStreamRetentionPeriod', { StreamName: '' }, [
      violation(null, 'retentionPeriodHours', 'Member must not be null'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('leaves the range of RetentionPeriodHours to the behaviour checks', () =>
    expectValidation(
      server.url,
      'IncreaseStreamRetentionPeriod',
      { StreamName: 'a'.repeat(129), RetentionPeriodHours: -1 },
      [violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128')],
    ));
});

describe('IncreaseStreamRetentionPeriod behaviour', () => {
  test('requires StreamName or StreamARN', () =>
    expectError(
      server.url,
      'IncreaseStreamRetentionPeriod',
      { RetentionPeriodHours: 48 },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream, before checking the period', () =>
    expectError(
      server.url,
      'IncreaseStreamRetentionPeriod',
      { StreamName: 'nope', RetentionPeriodHours: 1 },
      'ResourceNotFoundException',
      'Stream nope under account 000000000000 not found.',
    ));
  test('refuses less than 24 hours', async () => {
    for (const hours of [23, 0, -1]) {
      await expectError(
        server.url,
        'IncreaseStreamRetentionPeriod',
        { StreamName: 'kept', RetentionPeriodHours: hours },
        'InvalidArgumentException',
        `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
      );
    }
  });
  test('refuses more than 8760 hours', () =>
    expectError(
      server.url,
      'IncreaseStreamRetentionPeriod',
      { StreamName: 'kept', RetentionPeriodHours: 8761 },
      'InvalidArgumentException',
      'Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.',
    ));
  test('raises the period, with an empty answer', async () => {
    await createStreamJson(server.url, 'raised', 1);
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamName: 'raised',
      RetentionPeriodHours: 25,
    });
    assert.equal(await retentionOf('raised'), 25);
  });
  test('raises the period to the 8760-hour maximum', async () => {
    await createStreamJson(server.url, 'longest', 1);
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamName: 'longest',
      RetentionPeriodHours: 8760,
    });
    assert.equal(await retentionOf('longest'), 8760);
  });
  test('accepts the current period', async () => {
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamName: 'kept',
      RetentionPeriodHours: 24,
    });
    assert.equal(await retentionOf('kept'), 24);
  });
  test('refuses to lower the period, pointing to DecreaseStreamRetentionPeriod', async () => {
    await createStreamJson(server.url, 'lowered', 1);
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamName: 'lowered',
      RetentionPeriodHours: 25,
    });
    await expectError(
      server.url,
      'IncreaseStreamRetentionPeriod',
      { StreamName: 'lowered', RetentionPeriodHours: 24 },
      'InvalidArgumentException',
      'Requested retention period (24 hours) for stream lowered can not be shorter than existing retention period (25 hours). ' +
        'Use DecreaseRetentionPeriod API.',
    );
    assert.equal(await retentionOf('lowered'), 25);
  });
  test('raises the period of a stream addressed by its ARN', async () => {
    await createStreamJson(server.url, 'by-arn', 1);
    await expectEmptySuccess(server.url, 'IncreaseStreamRetentionPeriod', {
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/by-arn',
      RetentionPeriodHours: 100,
    });
    assert.equal(await retentionOf('by-arn'), 100);
  });
});

describe('IncreaseStreamRetentionPeriod behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 1 });
  });
  after(async () => {
    await slow.stop();
  });

  test('answers ResourceInUseException', () =>
    expectError(
      slow.url,
      'IncreaseStreamRetentionPeriod',
      { StreamName: 'creating', RetentionPeriodHours: 24 },
      'ResourceInUseException',
      'Stream creating under account 000000000000 not ACTIVE, instead in state CREATING',
    ));
});
