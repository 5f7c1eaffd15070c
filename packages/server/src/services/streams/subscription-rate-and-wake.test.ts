/**
 * SubscribeToShard's call rate (one successful call per second per consumer and shard, AWS's
 * documented limit) and the prompt end of a closed shard's subscription: a resharding wakes the
 * caught-up subscriber, which sends ChildShards at once instead of at its next heartbeat. In this
 * process, on in-memory storage, with a heartbeat far longer than any wait here.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ServiceError } from '../../protocol/service-error.js';
import {
  type InProcessStreams,
  type InProcessSubscription,
  startInProcessStreams,
  subscribeInProcess,
} from '../../testing/in-process-streams.js';
import { fanOutDefaults } from './fan-out-config.js';

/** Far beyond every bounded wait below: an event that comes only with the heartbeat fails the test. */
const heartbeatMs = 120_000;
const promptMs = 5000;
const pollsMax = 1000;

let streams: InProcessStreams;
before(async () => {
  streams = await startInProcessStreams({
    enhancedFanOut: { ...fanOutDefaults, registerConsumerMs: 0, subscriptionHeartbeatMs: heartbeatMs },
  });
});
after(async () => {
  await streams.close();
});

const arnOf = (name: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

async function streamWithConsumer(name: string): Promise<string> {
  await streams.call('CreateStream', { StreamName: name, ShardCount: 1 });
  await streams.waitForStatus(name, 'ACTIVE');
  const answer = await streams.call('RegisterStreamConsumer', { StreamARN: arnOf(name), ConsumerName: 'reader' });
  const arn = (answer.Consumer as { ConsumerARN: string }).ConsumerARN;
  for (let poll = 0; poll < pollsMax; poll++) {
    const stream = streams.service.context.registry.find(name);
    if (stream && streams.service.context.consumers.find(stream, 'reader')?.status === 'ACTIVE') return arn;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error('the consumer did not become ACTIVE');
}

type Events = InProcessSubscription;

function subscribe(consumerArn: string, startingPosition: Record<string, unknown>): Promise<Events> {
  return subscribeInProcess(streams, consumerArn, startingPosition);
}

/** The next event, or a failure naming what did not arrive within `promptMs` of real time. */
async function nextWithin(events: Events, what: string): Promise<Record<string, unknown>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not arrive within ${promptMs} ms`)), promptMs);
  });
  try {
    const result = await Promise.race([events.next(), late]);
    assert.ok(!result.done && result.value.kind === 'event', `${what} is an event`);
    return result.value.body;
  } finally {
    clearTimeout(timer);
  }
}

const isLimitExceeded = (arn: string) => (error: unknown) =>
  error instanceof ServiceError &&
  error.type === 'LimitExceededException' &&
  error.message === `Rate exceeded for consumer ${arn} and shard shardId-000000000000.`;

describe('SubscribeToShard call rate', () => {
  test('a call within a second of a successful one is LimitExceededException once that subscription ended', async () => {
    const arn = await streamWithConsumer('rate');
    const first = await subscribe(arn, { Type: 'LATEST' });
    await nextWithin(first, 'the first event');
    streams.clock.nowMs += 999;
    // While it runs, AWS's 5-second rule answers ("within 5 seconds of a successful call").
    await assert.rejects(
      subscribe(arn, { Type: 'LATEST' }),
      (error: unknown) => error instanceof ServiceError && error.type === 'ResourceInUseException',
    );
    await first.stop();
    assert.equal(streams.service.context.subscriptions.size, 0);
    await assert.rejects(subscribe(arn, { Type: 'LATEST' }), isLimitExceeded(arn), 'after it ended');
    // A refused call does not count: one second after the last successful call, it succeeds.
    streams.clock.nowMs += 1;
    const again = await subscribe(arn, { Type: 'LATEST' });
    await nextWithin(again, 'the resubscribed first event');
    // Between one and five seconds the one-subscription rule answers, as before.
    streams.clock.nowMs += 1000;
    await assert.rejects(
      subscribe(arn, { Type: 'LATEST' }),
      (error: unknown) => error instanceof ServiceError && error.type === 'ResourceInUseException',
    );
    await again.stop();
  });

  test('a call that fails its checks does not count as a call', async () => {
    const arn = await streamWithConsumer('rate-failed');
    await assert.rejects(
      subscribe(arn, { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: '1' }),
      (error: unknown) => error instanceof ServiceError && error.type === 'InvalidArgumentException',
    );
    const events = await subscribe(arn, { Type: 'LATEST' });
    await nextWithin(events, 'the first event');
    await events.stop();
  });
});

describe('SubscribeToShard on a shard that a resharding closes', () => {
  test('a caught-up subscriber gets ChildShards as soon as the split completes, not at its heartbeat', async () => {
    const arn = await streamWithConsumer('split-wake');
    await streams.call('PutRecord', { StreamName: 'split-wake', PartitionKey: 'k', Data: Buffer.from('before') });
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    const first = await nextWithin(events, 'the first event');
    assert.equal((first.Records as unknown[]).length, 1);
    // The subscriber is caught up and parked: nothing more arrives until something happens.
    const parked = events.next();
    await streams.call('SplitShard', {
      StreamName: 'split-wake',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    await streams.waitForStatus('split-wake', 'ACTIVE');
    const last = await nextWithin({ next: () => parked, stop: events.stop }, 'the ChildShards event');
    assert.equal(last.ContinuationSequenceNumber, undefined);
    assert.deepEqual(
      (last.ChildShards as Array<{ ShardId: string }>).map((child) => child.ShardId),
      ['shardId-000000000001', 'shardId-000000000002'],
    );
    assert.equal((await events.next()).done, true);
  });
});

describe('SubscribeToShard when the stream goes', () => {
  test('deleting the stream with EnforceConsumerDeletion ends its consumers’ subscriptions at once', async () => {
    const arn = await streamWithConsumer('deleted-under-subscription');
    const events = await subscribe(arn, { Type: 'LATEST' });
    await nextWithin(events, 'the first event');
    const parked = events.next();
    await streams.call('DeleteStream', { StreamName: 'deleted-under-subscription', EnforceConsumerDeletion: true });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the subscription did not end within ${promptMs} ms`)), promptMs);
    });
    try {
      const ended = await Promise.race([parked, late]);
      assert.ok(!ended.done && ended.value.kind === 'exception', 'an exception frame ends it');
      assert.equal(ended.value.kind === 'exception' && ended.value.error.type, 'ResourceNotFoundException');
    } finally {
      clearTimeout(timer);
    }
    assert.equal((await events.next()).done, true);
  });
});
