/** The resource each operation is authorized against, derived from its checked input. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { resourceArnOf } from './authorization.js';
import type { StreamsContext } from './context.js';
import { sealIterator } from './iterator-token.js';

const context = {
  config: { region: 'eu-west-1', accountId: '111122223333' },
  secretKey: randomBytes(32),
} as unknown as StreamsContext;
const stream = (name: string): string => `arn:aws:kinesis:eu-west-1:111122223333:stream/${name}`;
const consumer = `${stream('orders')}/consumer/reader:1700000000`;
const iterator = sealIterator(context.secretKey, {
  streamName: 'orders',
  streamCreatedMs: 1,
  shardIndex: 0,
  offset: 0,
  issuedMs: 2,
});

const cases: Array<[string, Record<string, unknown>, string]> = [
  ['ListStreams', {}, '*'],
  ['DescribeLimits', {}, '*'],
  ['DescribeAccountSettings', {}, '*'],
  ['UpdateAccountSettings', { MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }, '*'],
  ['PutRecord', { StreamName: 'orders', PartitionKey: 'k', Data: Buffer.from('x') }, stream('orders')],
  ['PutRecords', { StreamARN: stream('orders'), Records: [] }, stream('orders')],
  ['CreateStream', { StreamName: 'new', ShardCount: 1 }, stream('new')],
  [
    'DescribeStreamSummary',
    { StreamARN: 'arn:aws:kinesis:us-east-1:999999999999:stream/theirs' },
    'arn:aws:kinesis:us-east-1:999999999999:stream/theirs',
  ],
  ['TagResource', { ResourceARN: consumer, Tags: {} }, consumer],
  ['PutResourcePolicy', { ResourceARN: stream('orders'), Policy: '{}' }, stream('orders')],
  ['RegisterStreamConsumer', { StreamARN: stream('orders'), ConsumerName: 'reader' }, stream('orders')],
  ['ListStreamConsumers', { StreamARN: stream('orders') }, stream('orders')],
  ['SubscribeToShard', { ConsumerARN: consumer, ShardId: 'shardId-000000000000' }, consumer],
  ['DescribeStreamConsumer', { ConsumerARN: consumer }, consumer],
  [
    'DescribeStreamConsumer',
    { StreamARN: stream('orders'), ConsumerName: 'reader' },
    `${stream('orders')}/consumer/reader:*`,
  ],
  [
    'DeregisterStreamConsumer',
    { StreamARN: stream('orders'), ConsumerName: 'reader' },
    `${stream('orders')}/consumer/reader:*`,
  ],
  ['GetRecords', { ShardIterator: iterator }, stream('orders')],
  ['GetRecords', { ShardIterator: 'AAAA'.repeat(20) }, '*'],
  ['GetRecords', { ShardIterator: 'AAAA', StreamARN: stream('named') }, stream('named')],
];

describe('the resource an operation is authorized against', () => {
  for (const [operation, input, expected] of cases) {
    test(`${operation} ${JSON.stringify(input).slice(0, 80)} → ${expected}`, () => {
      assert.equal(resourceArnOf(context, operation, input), expected);
    });
  }
});
