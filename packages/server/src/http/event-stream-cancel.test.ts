/**
 * A SubscribeToShard client that goes away ends its subscription at once, over HTTP/1.1 and HTTP/2:
 * the front door creates a request's AbortController only when an operation asks for its signal,
 * and aborts it only when the answer was cut short — this checks that both still happen.
 *
 * Observed from outside, against a real server process: while the old subscription runs (it would
 * run until its next heartbeat, 5 s later, if the abort were lost), a new SubscribeToShard for the
 * same consumer and shard is ResourceInUseException; once it has ended, the call is allowed again
 * (after AWS's one call per second, LimitExceededException until then).
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { createStreamJson } from '../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { nextFrame, openRawSubscription, registerActiveConsumer } from '../testing/subscriptions.js';

/** Well below the 5 s after which the old subscription would end (or be taken over) anyway. */
const endedWithinMs = 3000;
const retryPauseMs = 50;

/** Subscribes again until it succeeds; fails if that takes longer than `endedWithinMs`. */
async function resubscribe(url: string, input: Record<string, unknown>): Promise<string[]> {
  const refusals: string[] = [];
  const deadline = Date.now() + endedWithinMs;
  for (;;) {
    const subscription = await openRawSubscription(url, input);
    if (subscription.statusCode === 200) {
      subscription.close();
      return refusals;
    }
    const error = JSON.parse((await subscription.body()).toString('utf8')) as { __type: string; message: string };
    assert.ok(
      error.__type === 'ResourceInUseException' || error.__type === 'LimitExceededException',
      `unexpected refusal ${JSON.stringify(error)}`,
    );
    if (error.__type === 'LimitExceededException') {
      assert.match(error.message, /^Rate exceeded for consumer arn:aws:kinesis:.* and shard shardId-000000000000\.$/);
    }
    refusals.push(error.__type);
    assert.ok(
      Date.now() < deadline,
      `the subscription of a client that left still held its slot ${endedWithinMs} ms later (${refusals.join(', ')})`,
    );
    await new Promise((resolve) => setTimeout(resolve, retryPauseMs));
  }
}

/** SubscribeToShard over HTTP/2 (JSON); resolves once the first frame arrived, with a way to cancel. */
async function openHttp2Subscription(url: string, input: Record<string, unknown>): Promise<() => void> {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  const request = session.request({
    ':method': 'POST',
    ':path': '/',
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'Kinesis_20131202.SubscribeToShard',
    'x-amz-date': '20260101T000000Z',
    authorization:
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00',
  });
  request.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    request.once('response', (headers) => {
      if (headers[':status'] !== 200) reject(new Error(`SubscribeToShard answered ${headers[':status']}`));
    });
    request.once('data', () => resolve());
    request.once('close', () => reject(new Error('the stream closed before its first frame')));
    request.end(JSON.stringify(input));
  });
  return () => {
    request.close(http2.constants.NGHTTP2_CANCEL);
    session.destroy();
  };
}

describe('an event stream whose client goes away', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ inMemory: true });
  });
  after(async () => {
    await server.stop();
  });

  test('over HTTP/1.1: closing the connection ends the subscription at once', async () => {
    await createStreamJson(server.url, 'gone-http1', 1);
    const consumerArn = await registerActiveConsumer(server.url, 'gone-http1', 'reader');
    const input = { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } };
    const subscription = await openRawSubscription(server.url, input);
    assert.equal(subscription.statusCode, 200);
    await nextFrame(subscription);
    subscription.close();
    await resubscribe(server.url, input);
  });

  test('over HTTP/2: cancelling the stream ends the subscription at once', async () => {
    await createStreamJson(server.url, 'gone-http2', 1);
    const consumerArn = await registerActiveConsumer(server.url, 'gone-http2', 'reader');
    const input = { ConsumerARN: consumerArn, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } };
    const cancel = await openHttp2Subscription(server.url, input);
    cancel();
    await resubscribe(server.url, input);
  });
});
