/**
 * The resource operations (TagResource, UntagResource, ListTagsForResource and the resource-policy
 * operations) on a consumer's ARN: the consumer has tags and a policy of its own, apart from its
 * stream's, and both go when the consumer is deregistered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  callJson,
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { testStreamArn, transitionNeverMs } from '../../../testing/stream-lifecycle.js';
import { registerActiveConsumer } from '../../../testing/subscriptions.js';

const policy = '{"Version":"2012-10-17","Statement":[]}';
const pollsMax = 1000;

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'owner', 1);
});
after(async () => {
  await server.stop();
});

async function tagsOf(resourceArn: string): Promise<unknown> {
  return (await expectSuccess(server.url, 'ListTagsForResource', { ResourceARN: resourceArn })).Tags;
}

describe('resource operations on a consumer ARN', () => {
  test('tags and untags the consumer, not its stream', async () => {
    const arn = await registerActiveConsumer(server.url, 'owner', 'tagged');
    await expectEmptySuccess(server.url, 'TagResource', { ResourceARN: arn, Tags: { team: 'data', tier: 'gold' } });
    assert.deepEqual(await tagsOf(arn), [
      { Key: 'team', Value: 'data' },
      { Key: 'tier', Value: 'gold' },
    ]);
    assert.deepEqual(await tagsOf(testStreamArn('owner')), []);
    await expectEmptySuccess(server.url, 'UntagResource', { ResourceARN: arn, TagKeys: ['tier'] });
    assert.deepEqual(await tagsOf(arn), [{ Key: 'team', Value: 'data' }]);
  });
  test('keeps a policy for the consumer apart from its stream’s', async () => {
    const arn = await registerActiveConsumer(server.url, 'owner', 'governed');
    await expectEmptySuccess(server.url, 'PutResourcePolicy', { ResourceARN: arn, Policy: policy });
    assert.deepEqual(await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: arn }), { Policy: policy });
    assert.deepEqual(await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: testStreamArn('owner') }), {
      Policy: '{}',
    });
    await expectEmptySuccess(server.url, 'DeleteResourcePolicy', { ResourceARN: arn });
    assert.deepEqual(await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: arn }), { Policy: '{}' });
  });
  test('forgets the consumer’s tags and policy when it is deregistered', async () => {
    const arn = await registerActiveConsumer(server.url, 'owner', 'transient');
    await expectEmptySuccess(server.url, 'TagResource', { ResourceARN: arn, Tags: { team: 'data' } });
    await expectEmptySuccess(server.url, 'PutResourcePolicy', { ResourceARN: arn, Policy: policy });
    await expectEmptySuccess(server.url, 'DeregisterStreamConsumer', { ConsumerARN: arn });
    for (let poll = 0; poll < pollsMax; poll++) {
      const answer = await callJson(server.url, 'ListTagsForResource', { ResourceARN: arn });
      if (answer.body.__type === 'ResourceNotFoundException') break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Registered again within the same second, the consumer has the same ARN and a clean slate.
    const again = await registerActiveConsumer(server.url, 'owner', 'transient');
    if (again === arn) {
      assert.deepEqual(await tagsOf(again), []);
      assert.deepEqual(await expectSuccess(server.url, 'GetResourcePolicy', { ResourceARN: again }), { Policy: '{}' });
    }
  });
});

describe('resource operations on a consumer that is not ACTIVE', () => {
  let creating: ServerProcess;
  before(async () => {
    creating = await startServerProcess({ inMemory: true, args: ['--register-consumer-ms', transitionNeverMs] });
    await createStreamJson(creating.url, 'young', 1);
  });
  after(async () => {
    await creating.stop();
  });

  test('refuses to put a policy on a CREATING consumer, in AWS’s words, but lists its tags', async () => {
    const answer = await expectSuccess(creating.url, 'RegisterStreamConsumer', {
      StreamARN: testStreamArn('young'),
      ConsumerName: 'test-consumer',
      Tags: { stage: 'creating' },
    });
    const consumer = answer.Consumer as { ConsumerARN: string; ConsumerCreationTimestamp: number };
    await expectError(
      creating.url,
      'PutResourcePolicy',
      { ResourceARN: consumer.ConsumerARN, Policy: policy },
      'ResourceInUseException',
      `Consumer test-consumer with creation timestamp ${Math.floor(consumer.ConsumerCreationTimestamp)} under ` +
        'stream young and account 000000000000 is not in ACTIVE status.',
    );
    assert.deepEqual(
      (await expectSuccess(creating.url, 'ListTagsForResource', { ResourceARN: consumer.ConsumerARN })).Tags,
      [{ Key: 'stage', Value: 'creating' }],
    );
  });
});
