import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { paginateListStreamConsumers } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  expectError,
  expectErrorMatching,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { testStreamArn } from '../../../testing/stream-lifecycle.js';
import { registerActiveConsumer } from '../../../testing/subscriptions.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
});
after(async () => {
  await server.stop();
});

const names = (answer: Record<string, unknown>): string[] =>
  (answer.Consumers as Array<{ ConsumerName: string }>).map((consumer) => consumer.ConsumerName);

describe('ListStreamConsumers serialization', () => {
  test('rejects a MaxResults that is not an integer', () =>
    expectWrongTypes(
      server.url,
      'ListStreamConsumers',
      (value) => ({ StreamARN: testStreamArn('s'), MaxResults: value }),
      'Integer',
    ));
  test('rejects a StreamCreationTimestamp that is not a timestamp', () =>
    expectWrongTypes(
      server.url,
      'ListStreamConsumers',
      (value) => ({ StreamARN: testStreamArn('s'), StreamCreationTimestamp: value }),
      'Timestamp',
    ));
});

describe('ListStreamConsumers validation', () => {
  test('requires StreamARN', () =>
    expectValidation(server.url, 'ListStreamConsumers', {}, [violation(null, 'streamARN', 'Member must not be null')]));
  test('lists NextToken and MaxResults violations in the member order AWS reports', () =>
    expectValidation(
      server.url,
      'ListStreamConsumers',
      { StreamARN: testStreamArn('s'), MaxResults: 0, NextToken: '' },
      [
        violation('', 'nextToken', 'Member must have length greater than or equal to 1'),
        violation('0', 'maxResults', 'Member must have value greater than or equal to 1'),
      ],
    ));
  test('limits MaxResults to 10000', () =>
    expectValidation(server.url, 'ListStreamConsumers', { StreamARN: testStreamArn('s'), MaxResults: 10001 }, [
      violation('10001', 'maxResults', 'Member must have value less than or equal to 10000'),
    ]));
});

describe('ListStreamConsumers behaviour', () => {
  let createdSeconds: number;
  before(async () => {
    await createStreamJson(server.url, 'listed', 1);
    await createStreamJson(server.url, 'listed-empty', 1);
    for (const name of ['echo', 'alpha', 'delta', 'charlie', 'bravo'])
      await registerActiveConsumer(server.url, 'listed', name);
    const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'listed' });
    createdSeconds = (summary.StreamDescriptionSummary as { StreamCreationTimestamp: number }).StreamCreationTimestamp;
  });

  test('lists a stream’s consumers by name, with their ARNs, statuses and creation times', async () => {
    const answer = await expectSuccess(server.url, 'ListStreamConsumers', { StreamARN: testStreamArn('listed') });
    assert.deepEqual(names(answer), ['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    assert.equal(answer.NextToken, undefined);
    const first = (answer.Consumers as Array<Record<string, unknown>>)[0] ?? {};
    assert.deepEqual(Object.keys(first).sort(), [
      'ConsumerARN',
      'ConsumerCreationTimestamp',
      'ConsumerName',
      'ConsumerStatus',
    ]);
    assert.match(
      String(first.ConsumerARN),
      /^arn:aws:kinesis:us-east-1:000000000000:stream\/listed\/consumer\/alpha:\d+$/,
    );
    assert.equal(first.ConsumerStatus, 'ACTIVE');
  });
  test('answers an empty list for a stream without consumers', async () => {
    assert.deepEqual(
      await expectSuccess(server.url, 'ListStreamConsumers', { StreamARN: testStreamArn('listed-empty') }),
      {
        Consumers: [],
      },
    );
  });
  test('pages with MaxResults and NextToken', async () => {
    const first = await expectSuccess(server.url, 'ListStreamConsumers', {
      StreamARN: testStreamArn('listed'),
      MaxResults: 2,
    });
    assert.deepEqual(names(first), ['alpha', 'bravo']);
    const second = await expectSuccess(server.url, 'ListStreamConsumers', {
      StreamARN: testStreamArn('listed'),
      MaxResults: 2,
      NextToken: first.NextToken,
    });
    assert.deepEqual(names(second), ['charlie', 'delta']);
    const third = await expectSuccess(server.url, 'ListStreamConsumers', {
      StreamARN: testStreamArn('listed'),
      MaxResults: 2,
      NextToken: second.NextToken,
    });
    assert.deepEqual(names(third), ['echo']);
    assert.equal(third.NextToken, undefined);
  });
  test('pages through the AWS SDK paginator', async () => {
    const client = kinesisClient(server.url);
    try {
      const seen: string[] = [];
      for await (const page of paginateListStreamConsumers(
        { client, pageSize: 2 },
        { StreamARN: testStreamArn('listed') },
      )) {
        seen.push(...(page.Consumers ?? []).map((consumer) => consumer.ConsumerName ?? ''));
      }
      assert.deepEqual(seen, ['alpha', 'bravo', 'charlie', 'delta', 'echo']);
    } finally {
      client.destroy();
    }
  });
  test('accepts the stream’s StreamCreationTimestamp and refuses another', async () => {
    const answer = await expectSuccess(server.url, 'ListStreamConsumers', {
      StreamARN: testStreamArn('listed'),
      StreamCreationTimestamp: createdSeconds,
    });
    assert.equal(names(answer).length, 5);
    await expectError(
      server.url,
      'ListStreamConsumers',
      { StreamARN: testStreamArn('listed'), StreamCreationTimestamp: createdSeconds - 3600 },
      'ResourceNotFoundException',
      'Stream listed under account 000000000000 not found.',
    );
  });
  test('refuses a NextToken it did not issue, or one issued for another stream', async () => {
    await expectErrorMatching(
      server.url,
      'ListStreamConsumers',
      { StreamARN: testStreamArn('listed'), NextToken: 'forged' },
      'InvalidArgumentException',
      /^Invalid NextToken: forged$/,
    );
    const page = await expectSuccess(server.url, 'ListStreamConsumers', {
      StreamARN: testStreamArn('listed'),
      MaxResults: 1,
    });
    await expectErrorMatching(
      server.url,
      'ListStreamConsumers',
      { StreamARN: testStreamArn('listed-empty'), NextToken: page.NextToken },
      'InvalidArgumentException',
      /^Invalid NextToken: /,
    );
  });
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'ListStreamConsumers',
      { StreamARN: testStreamArn('listed-none') },
      'ResourceNotFoundException',
      'Stream listed-none under account 000000000000 not found.',
    ));
});
