import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeLimitsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import { callJson, createStreamJson, expectSuccess } from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { createOnDemandStreamJson, waitForStatusJson } from '../../../testing/stream-lifecycle.js';

const shardLimit = 40;
let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--shard-limit', String(shardLimit)] });
});
after(async () => {
  await server.stop();
});

describe('DescribeLimits serialization', () => {
  test('rejects a body that is a JSON array with a bare SerializationException', async () => {
    const answer = await callJson(server.url, 'DescribeLimits', []);
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(answer.body, { __type: 'SerializationException' });
  });
  test('rejects a body that is a JSON string with a bare SerializationException', async () => {
    const answer = await callJson(server.url, 'DescribeLimits', '"limits"');
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(answer.body, { __type: 'SerializationException' });
  });
});

describe('DescribeLimits validation', () => {
  test('ignores members the model does not define, as AWS does', async () => {
    const limits = await expectSuccess(server.url, 'DescribeLimits', { StreamName: 7, Limit: 'none' });
    assert.equal(limits.ShardLimit, shardLimit);
  });
});

describe('DescribeLimits behaviour', () => {
  test('reports the configured shard limit and AWS on-demand quota on an account without streams', async () => {
    assert.deepEqual(await expectSuccess(server.url, 'DescribeLimits', {}), {
      ShardLimit: shardLimit,
      OpenShardCount: 0,
      OnDemandStreamCount: 0,
      OnDemandStreamCountLimit: 50,
    });
  });
  test('counts the open shards of every stream and the on-demand streams', async () => {
    await createStreamJson(server.url, 'limits-provisioned', 3);
    await createOnDemandStreamJson(server.url, 'limits-on-demand');
    assert.deepEqual(await expectSuccess(server.url, 'DescribeLimits', {}), {
      ShardLimit: shardLimit,
      OpenShardCount: 3 + 4,
      OnDemandStreamCount: 1,
      OnDemandStreamCountLimit: 50,
    });
  });
  test('stops counting a stream once it is deleted', async () => {
    await expectSuccess(server.url, 'DeleteStream', { StreamName: 'limits-on-demand' });
    await waitForStatusJson(server.url, 'limits-on-demand', undefined);
    const limits = await expectSuccess(server.url, 'DescribeLimits', {});
    assert.equal(limits.OpenShardCount, 3);
    assert.equal(limits.OnDemandStreamCount, 0);
  });
  test('answers the AWS SDK with every required member', async () => {
    const client = kinesisClient(server.url);
    try {
      const limits = await client.send(new DescribeLimitsCommand({}));
      assert.equal(limits.ShardLimit, shardLimit);
      assert.equal(limits.OpenShardCount, 3);
      assert.equal(limits.OnDemandStreamCount, 0);
      assert.equal(limits.OnDemandStreamCountLimit, 50);
    } finally {
      client.destroy();
    }
  });
});
