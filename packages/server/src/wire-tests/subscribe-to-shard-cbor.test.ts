/**
 * Acceptance: SubscribeToShard in CBOR (application/x-amz-cbor-1.1), as the Java SDK and KCL
 * subscribe. No CBOR-speaking AWS client runs here, so the request is built by hand with cbor-x and
 * the answer is taken apart frame by frame: the event-stream framing with the AWS SDK's codec
 * (@smithy/core/event-streams, CRCs checked), each payload with cbor-x.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Decoder } from 'cbor-x';
import { createStreamJson, expectSuccess } from '../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import {
  cborType,
  nextFrame,
  openRawSubscription,
  registerActiveConsumer,
  remainingFrames,
} from '../testing/subscriptions.js';

const lifetimeMs = 1500;

describe('SubscribeToShard in CBOR', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ inMemory: true, args: ['--subscription-lifetime-ms', String(lifetimeMs)] });
  });
  after(async () => {
    await server.stop();
  });

  test('answers an event stream whose payloads are CBOR: initial-response, then records as byte strings', async () => {
    await createStreamJson(server.url, 'cbor-fanout', 1);
    const consumerArn = await registerActiveConsumer(server.url, 'cbor-fanout', 'java-reader');
    const payloads = [Buffer.from([0, 1, 2, 255]), Buffer.alloc(2048, 7)];
    const sequences: string[] = [];
    for (const [index, data] of payloads.entries()) {
      const put = await expectSuccess(server.url, 'PutRecord', {
        StreamName: 'cbor-fanout',
        PartitionKey: `k${index}`,
        Data: data.toString('base64'),
      });
      sequences.push(put.SequenceNumber as string);
    }
    const subscription = await openRawSubscription(
      server.url,
      { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'TRIM_HORIZON' } },
      'cbor',
    );
    assert.equal(subscription.statusCode, 200);
    assert.equal(subscription.headers['content-type'], 'application/vnd.amazon.eventstream');

    const initial = await nextFrame(subscription);
    assert.deepEqual(initial.headers, {
      ':message-type': 'event',
      ':event-type': 'initial-response',
      ':content-type': cborType,
    });
    assert.deepEqual(initial.payload, {});

    const first = await nextFrame(subscription);
    assert.deepEqual(first.headers, {
      ':message-type': 'event',
      ':event-type': 'SubscribeToShardEvent',
      ':content-type': cborType,
    });
    const records = first.payload.Records as Array<Record<string, unknown>>;
    assert.deepEqual(
      records.map((record) => [record.SequenceNumber, record.PartitionKey, Buffer.from(record.Data as Uint8Array)]),
      payloads.map((data, index) => [sequences[index], `k${index}`, data]),
    );
    assert.ok(
      records.every((record) => record.Data instanceof Uint8Array),
      'Data is a CBOR byte string',
    );
    assert.ok(
      records.every((record) => record.ApproximateArrivalTimestamp instanceof Date),
      'ApproximateArrivalTimestamp is a tag-1 date',
    );
    assert.equal(first.payload.ContinuationSequenceNumber, sequences.at(-1));
    assert.equal(first.payload.MillisBehindLatest, 0);

    // The rest: heartbeats if any, until the subscription's lifetime ends the answer cleanly.
    for (const frame of await remainingFrames(subscription)) {
      assert.equal(frame.headers[':message-type'], 'event');
      assert.equal(frame.payload.ContinuationSequenceNumber, sequences.at(-1));
    }
  });

  test('refuses a CBOR SubscribeToShard for a missing consumer with a CBOR error before any frame', async () => {
    const subscription = await openRawSubscription(
      server.url,
      {
        ConsumerARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/cbor-fanout/consumer/nobody:1700000000',
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'LATEST' },
      },
      'cbor',
    );
    assert.equal(subscription.statusCode, 400);
    assert.equal(subscription.headers['content-type'], cborType);
    assert.deepEqual(new Decoder({ mapsAsObjects: true }).decode(await subscription.body()), {
      __type: 'ResourceNotFoundException',
      message:
        'Consumer nobody with creation timestamp 1700000000 under stream: cbor-fanout, account 000000000000 not found.',
    });
  });
});
