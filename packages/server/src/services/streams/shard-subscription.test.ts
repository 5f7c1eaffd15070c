/**
 * SubscribeToShard's subscription in this process, on in-memory storage and a clock the test moves
 * by hand: the five-minute end, the five-second takeover rule, heartbeats, the event size bound,
 * the shard-start continuation and a closed shard's last event — without waiting for real time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventStreamOutput, StreamEvent } from '../../protocol/event-stream.js';
import { ServiceError } from '../../protocol/service-error.js';
import {
  type InProcessStreams,
  type InProcessSubscription,
  startInProcessStreams,
  subscribeInProcess,
} from '../../testing/in-process-streams.js';
import { fanOutDefaults, subscriptionEventBytesMax } from './fan-out-config.js';

const lifetimeMs = fanOutDefaults.subscriptionLifetimeMs;
const heartbeatMs = 20;
const pollsMax = 1000;

let streams: InProcessStreams;
before(async () => {
  streams = await startInProcessStreams({
    enhancedFanOut: {
      ...fanOutDefaults,
      registerConsumerMs: 0,
      deregisterConsumerMs: 60_000,
      subscriptionHeartbeatMs: heartbeatMs,
    },
  });
});
after(async () => {
  await streams.close();
});

const arnOf = (name: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

async function streamWithConsumer(name: string, consumerName = 'reader'): Promise<string> {
  await streams.call('CreateStream', { StreamName: name, ShardCount: 1 });
  await streams.waitForStatus(name, 'ACTIVE');
  const answer = await streams.call('RegisterStreamConsumer', { StreamARN: arnOf(name), ConsumerName: consumerName });
  const arn = (answer.Consumer as { ConsumerARN: string }).ConsumerARN;
  for (let poll = 0; poll < pollsMax; poll++) {
    const stream = streams.service.context.registry.find(name);
    if (stream && streams.service.context.consumers.find(stream, consumerName)?.status === 'ACTIVE') return arn;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`consumer ${consumerName} did not become ACTIVE`);
}

type Events = InProcessSubscription;

function subscribe(consumerArn: string, startingPosition: Record<string, unknown>, shardId?: string): Promise<Events> {
  return subscribeInProcess(streams, consumerArn, startingPosition, shardId);
}

function body(result: IteratorResult<StreamEvent>): Record<string, unknown> {
  assert.ok(!result.done, 'an event arrives');
  assert.equal(result.value.kind, 'event');
  return result.value.kind === 'event' ? result.value.body : {};
}

function dataOf(event: Record<string, unknown>): string[] {
  return (event.Records as Array<{ Data: Buffer }>).map((record) => record.Data.toString('utf8'));
}

async function put(streamName: string, data: string | Buffer): Promise<string> {
  const answer = await streams.call('PutRecord', {
    StreamName: streamName,
    PartitionKey: 'k',
    Data: Buffer.from(data),
  });
  return answer.SequenceNumber as string;
}

describe('SubscribeToShard subscription (in process, injected clock)', () => {
  test('sends a first event at once, with a ContinuationSequenceNumber and no records', async () => {
    const arn = await streamWithConsumer('first-event');
    const events = await subscribe(arn, { Type: 'LATEST' });
    const first = body(await events.next());
    assert.deepEqual(first.Records, []);
    assert.equal(typeof first.ContinuationSequenceNumber, 'string');
    assert.equal(first.MillisBehindLatest, 0);
    await events.stop();
  });

  test('ends cleanly, delivering nothing more, once five minutes have passed on the clock', async () => {
    const arn = await streamWithConsumer('lifetime');
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    body(await events.next());
    await put('lifetime', 'within');
    assert.deepEqual(dataOf(body(await events.next())), ['within']);
    streams.clock.nowMs += lifetimeMs;
    await put('lifetime', 'after the end');
    assert.equal((await events.next()).done, true);
    assert.equal(streams.service.context.subscriptions.size, 0, 'the consumer’s slot is free again');
  });

  test('refuses a second subscription within 5 s; 5 s later it takes over and the first ends with ResourceInUseException', async () => {
    const arn = await streamWithConsumer('takeover');
    const first = await subscribe(arn, { Type: 'LATEST' });
    body(await first.next());
    streams.clock.nowMs += 4999;
    await assert.rejects(
      subscribe(arn, { Type: 'LATEST' }),
      (error: unknown) =>
        error instanceof ServiceError &&
        error.type === 'ResourceInUseException' &&
        error.message === `Another active subscription exists for this consumer: ${arn}`,
    );
    streams.clock.nowMs += 1;
    const second = await subscribe(arn, { Type: 'LATEST' });
    const ended = await first.next();
    assert.ok(!ended.done && ended.value.kind === 'exception');
    assert.equal(ended.value.kind === 'exception' && ended.value.error.type, 'ResourceInUseException');
    assert.equal((await first.next()).done, true);
    body(await second.next());
    await second.stop();
  });

  test('deregistering the consumer ends its subscription at once', async () => {
    const arn = await streamWithConsumer('deregistered');
    const events = await subscribe(arn, { Type: 'LATEST' });
    body(await events.next());
    await streams.call('DeregisterStreamConsumer', { ConsumerARN: arn });
    const ended = await events.next();
    assert.ok(!ended.done && ended.value.kind === 'exception');
    assert.equal(ended.value.kind === 'exception' && ended.value.error.type, 'ResourceInUseException');
    assert.equal((await events.next()).done, true);
  });

  test('repeats the ContinuationSequenceNumber in heartbeats while no records flow', async () => {
    const arn = await streamWithConsumer('heartbeats');
    const sequence = await put('heartbeats', 'only');
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    assert.equal(body(await events.next()).ContinuationSequenceNumber, sequence);
    for (let beat = 0; beat < 3; beat++) {
      const heartbeat = body(await events.next());
      assert.deepEqual(heartbeat.Records, []);
      assert.equal(heartbeat.ContinuationSequenceNumber, sequence);
    }
    await events.stop();
  });

  test('resuming after the continuation of an empty shard starts at its first record', async () => {
    const arn = await streamWithConsumer('empty-start');
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    const marker = body(await events.next()).ContinuationSequenceNumber as string;
    await events.stop();
    const first = await put('empty-start', 'first');
    assert.ok(BigInt(marker) < BigInt(first), 'the marker compares below every record');
    // AWS allows one SubscribeToShard per second per consumer and shard.
    streams.clock.nowMs += 1000;
    const resumed = await subscribe(arn, { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: marker });
    assert.deepEqual(dataOf(body(await resumed.next())), ['first']);
    await resumed.stop();
  });

  test('carries at most 1 MiB of records per event, however much is waiting', async () => {
    const arn = await streamWithConsumer('bounded');
    const recordBytes = 600 * 1024;
    for (const fill of ['a', 'b', 'c']) await put('bounded', Buffer.alloc(recordBytes, fill));
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    const seen: string[] = [];
    while (seen.length < 3) {
      const event = body(await events.next());
      const records = event.Records as Array<{ Data: Buffer; PartitionKey: string }>;
      const sizeBytes = records.reduce((sum, record) => sum + record.Data.length + record.PartitionKey.length, 0);
      assert.ok(sizeBytes <= subscriptionEventBytesMax, `an event of ${sizeBytes} bytes`);
      seen.push(...records.map((record) => record.Data.toString('utf8', 0, 1)));
    }
    assert.deepEqual(seen, ['a', 'b', 'c']);
    await events.stop();
  });

  test('ends a split shard, once drained, with ChildShards and without a ContinuationSequenceNumber', async () => {
    const arn = await streamWithConsumer('split');
    await put('split', 'before the split');
    const events = await subscribe(arn, { Type: 'TRIM_HORIZON' });
    assert.deepEqual(dataOf(body(await events.next())), ['before the split']);
    await streams.call('SplitShard', {
      StreamName: 'split',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    await streams.waitForStatus('split', 'ACTIVE');
    let last: Record<string, unknown> = {};
    for (let event = 0; event < pollsMax && last.ChildShards === undefined; event++) last = body(await events.next());
    assert.equal(last.ContinuationSequenceNumber, undefined);
    assert.deepEqual(
      (last.ChildShards as Array<{ ShardId: string; ParentShards: string[] }>).map((child) => [
        child.ShardId,
        child.ParentShards,
      ]),
      [
        ['shardId-000000000001', ['shardId-000000000000']],
        ['shardId-000000000002', ['shardId-000000000000']],
      ],
    );
    assert.equal((await events.next()).done, true);
  });
});

describe('SubscribeToShard subscription with --throughput-limits aws (in process)', () => {
  let limited: InProcessStreams;
  before(async () => {
    limited = await startInProcessStreams({
      throughput: { mode: 'aws', injectThrottleRate: 0 },
      enhancedFanOut: { ...fanOutDefaults, registerConsumerMs: 0, subscriptionHeartbeatMs: heartbeatMs },
    });
  });
  after(async () => {
    await limited.close();
  });

  test('holds a consumer to 2 MiB/s per shard: beyond the first second’s worth it waits for the clock', async () => {
    await limited.call('CreateStream', { StreamName: 'paced', ShardCount: 1 });
    await limited.waitForStatus('paced', 'ACTIVE');
    const registered = await limited.call('RegisterStreamConsumer', { StreamARN: arnOf('paced'), ConsumerName: 'c' });
    const consumerArn = (registered.Consumer as { ConsumerARN: string }).ConsumerARN;
    for (let poll = 0; poll < pollsMax; poll++) {
      const stream = limited.service.context.registry.find('paced');
      if (stream && limited.service.context.consumers.find(stream, 'c')?.status === 'ACTIVE') break;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const recordBytes = 900 * 1024;
    for (const fill of ['a', 'b', 'c', 'd']) {
      // Writes are limited too (1 MiB/s per shard): a second passes between them.
      limited.clock.nowMs += 1000;
      await limited.call('PutRecord', {
        StreamName: 'paced',
        PartitionKey: 'k',
        Data: Buffer.alloc(recordBytes, fill),
      });
    }
    const output = await limited.service.invoke('SubscribeToShard', {
      ConsumerARN: consumerArn,
      ShardId: 'shardId-000000000000',
      StartingPosition: { Type: 'TRIM_HORIZON' },
    });
    const events = (output as EventStreamOutput).events[Symbol.asyncIterator]();
    // 2 MiB of tokens: three records of 900 KiB go out (the third overdraws the bucket) …
    for (const fill of ['a', 'b', 'c'])
      assert.deepEqual(
        dataOf(body(await events.next())).map((data) => data[0]),
        [fill],
      );
    // … and the fourth waits until the clock has refilled it.
    const fourth = events.next();
    const early = await Promise.race([
      fourth.then(() => 'sent'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 100)),
    ]);
    assert.equal(early, 'held');
    limited.clock.nowMs += 1000;
    assert.deepEqual(
      dataOf(body(await fourth)).map((data) => data[0]),
      ['d'],
    );
    await events.return?.();
  });
});
