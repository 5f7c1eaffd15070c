import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UpdateAccountSettingsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import { expectSerialization, expectSuccess, expectValidation, violation } from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

const dayS = 24 * 60 * 60;

/** Wire timestamps are epoch seconds with a millisecond fraction; compare them in whole milliseconds. */
function millisecondsBetween(fromS: number, toS: number): number {
  return Math.round(toS * 1000) - Math.round(fromS * 1000);
}

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

async function update(status: unknown): Promise<Record<string, unknown>> {
  const answer = await expectSuccess(server.url, 'UpdateAccountSettings', {
    MinimumThroughputBillingCommitment: { Status: status },
  });
  return answer.MinimumThroughputBillingCommitment as Record<string, unknown>;
}

describe('UpdateAccountSettings serialization', () => {
  test('rejects a string as MinimumThroughputBillingCommitment', () =>
    expectSerialization(
      server.url,
      'UpdateAccountSettings',
      { MinimumThroughputBillingCommitment: 'ENABLED' },
      'Expected null',
    ));
  test('rejects a list as MinimumThroughputBillingCommitment', () =>
    expectSerialization(
      server.url,
      'UpdateAccountSettings',
      { MinimumThroughputBillingCommitment: [{ Status: 'ENABLED' }] },
      'Start of list found where not expected',
    ));
  test('rejects a boolean as Status', () =>
    expectSerialization(
      server.url,
      'UpdateAccountSettings',
      { MinimumThroughputBillingCommitment: { Status: true } },
      'class java.lang.Boolean can not be converted to an String',
    ));
});

describe('UpdateAccountSettings validation', () => {
  test('requires MinimumThroughputBillingCommitment', () =>
    expectValidation(server.url, 'UpdateAccountSettings', {}, [
      violation(null, 'minimumThroughputBillingCommitment', 'Member must not be null'),
    ]));
  test('requires a Status inside MinimumThroughputBillingCommitment', () =>
    expectValidation(server.url, 'UpdateAccountSettings', { MinimumThroughputBillingCommitment: {} }, [
      violation(null, 'minimumThroughputBillingCommitment.status', 'Member must not be null'),
    ]));
  test('accepts only ENABLED and DISABLED, not the output-only status', () =>
    expectValidation(
      server.url,
      'UpdateAccountSettings',
      { MinimumThroughputBillingCommitment: { Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' } },
      [
        violation(
          'ENABLED_UNTIL_EARLIEST_ALLOWED_END',
          'minimumThroughputBillingCommitment.status',
          'Member must satisfy enum value set: [ENABLED, DISABLED]',
        ),
      ],
    ));
});

describe('UpdateAccountSettings behaviour', () => {
  test('answers DISABLED without timestamps when disabling a commitment that was never enabled', async () => {
    assert.deepEqual(await update('DISABLED'), { Status: 'DISABLED' });
  });
  test('starts a commitment whose earliest allowed end is 24 hours after its start', async () => {
    const beforeS = Math.floor(Date.now() / 1000);
    const answer = await update('ENABLED');
    const afterS = Math.ceil(Date.now() / 1000);
    assert.equal(answer.Status, 'ENABLED');
    const startedS = answer.StartedAt as number;
    assert.ok(startedS >= beforeS && startedS <= afterS, `StartedAt ${startedS} within [${beforeS}, ${afterS}]`);
    assert.equal(millisecondsBetween(startedS, answer.EarliestAllowedEndAt as number), dayS * 1000);
    assert.equal(answer.EndedAt, undefined);
  });
  test('keeps the running commitment when enabled again', async () => {
    const first = await expectSuccess(server.url, 'DescribeAccountSettings', {});
    assert.deepEqual({ MinimumThroughputBillingCommitment: await update('ENABLED') }, first);
  });
  test('schedules a disable requested before the earliest allowed end for that time', async () => {
    const running = await update('ENABLED');
    assert.deepEqual(await update('DISABLED'), {
      Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END',
      StartedAt: running.StartedAt,
      EarliestAllowedEndAt: running.EarliestAllowedEndAt,
    });
  });
  test('cancels the scheduled disable when enabled again, through the AWS SDK', async () => {
    const scheduled = await update('DISABLED');
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(
        new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }),
      );
      const shown = answer.MinimumThroughputBillingCommitment;
      assert.equal(shown?.Status, 'ENABLED');
      assert.equal(shown?.StartedAt?.getTime(), Math.round((scheduled.StartedAt as number) * 1000));
      assert.equal(
        shown?.EarliestAllowedEndAt?.getTime(),
        Math.round((scheduled.EarliestAllowedEndAt as number) * 1000),
      );
      assert.equal(shown?.EndedAt, undefined);
    } finally {
      client.destroy();
    }
    const described = await expectSuccess(server.url, 'DescribeAccountSettings', {});
    assert.equal((described.MinimumThroughputBillingCommitment as { Status: string }).Status, 'ENABLED');
  });
});
