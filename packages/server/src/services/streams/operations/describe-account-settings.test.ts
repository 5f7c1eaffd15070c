import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeAccountSettingsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import { callJson, expectSuccess } from '../../../testing/kinesis-json.js';
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

function commitment(answer: Record<string, unknown>): Record<string, unknown> {
  return answer.MinimumThroughputBillingCommitment as Record<string, unknown>;
}

describe('DescribeAccountSettings serialization', () => {
  test('rejects a body that is a JSON array with a bare SerializationException', async () => {
    const answer = await callJson(server.url, 'DescribeAccountSettings', [{}]);
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(answer.body, { __type: 'SerializationException' });
  });
  test('rejects a body that is a JSON number with a bare SerializationException', async () => {
    const answer = await callJson(server.url, 'DescribeAccountSettings', '42');
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(answer.body, { __type: 'SerializationException' });
  });
});

describe('DescribeAccountSettings validation', () => {
  test('ignores members the model does not define, as AWS does', async () => {
    const answer = await expectSuccess(server.url, 'DescribeAccountSettings', {
      MinimumThroughputBillingCommitment: 'ENABLED',
    });
    assert.equal(commitment(answer).Status, 'DISABLED');
  });
});

describe('DescribeAccountSettings behaviour', () => {
  test('answers a DISABLED commitment without timestamps on a new account', async () => {
    assert.deepEqual(await expectSuccess(server.url, 'DescribeAccountSettings', {}), {
      MinimumThroughputBillingCommitment: { Status: 'DISABLED' },
    });
  });
  test('shows an enabled commitment with its start and its earliest end 24 hours later', async () => {
    const beforeS = Math.floor(Date.now() / 1000);
    await expectSuccess(server.url, 'UpdateAccountSettings', {
      MinimumThroughputBillingCommitment: { Status: 'ENABLED' },
    });
    const afterS = Math.ceil(Date.now() / 1000);
    const shown = commitment(await expectSuccess(server.url, 'DescribeAccountSettings', {}));
    assert.equal(shown.Status, 'ENABLED');
    const startedS = shown.StartedAt as number;
    assert.ok(startedS >= beforeS && startedS <= afterS, `StartedAt ${startedS} within [${beforeS}, ${afterS}]`);
    assert.equal(millisecondsBetween(startedS, shown.EarliestAllowedEndAt as number), dayS * 1000);
    assert.equal(shown.EndedAt, undefined);
  });
  test('shows a disable requested inside the first 24 hours as scheduled for the earliest allowed end', async () => {
    const enabled = commitment(await expectSuccess(server.url, 'DescribeAccountSettings', {}));
    await expectSuccess(server.url, 'UpdateAccountSettings', {
      MinimumThroughputBillingCommitment: { Status: 'DISABLED' },
    });
    assert.deepEqual(commitment(await expectSuccess(server.url, 'DescribeAccountSettings', {})), {
      Status: 'ENABLED_UNTIL_EARLIEST_ALLOWED_END',
      StartedAt: enabled.StartedAt,
      EarliestAllowedEndAt: enabled.EarliestAllowedEndAt,
    });
  });
  test('answers the AWS SDK with timestamps as dates', async () => {
    const client = kinesisClient(server.url);
    try {
      const answer = await client.send(new DescribeAccountSettingsCommand({}));
      const shown = answer.MinimumThroughputBillingCommitment;
      assert.equal(shown?.Status, 'ENABLED_UNTIL_EARLIEST_ALLOWED_END');
      assert.ok(shown?.StartedAt instanceof Date && shown.EarliestAllowedEndAt instanceof Date);
      assert.equal(shown.EarliestAllowedEndAt.getTime() - shown.StartedAt.getTime(), dayS * 1000);
    } finally {
      client.destroy();
    }
  });
});
