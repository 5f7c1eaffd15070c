/**
 * Test support for enhanced fan-out: consumers registered through raw JSON calls, and raw
 * SubscribeToShard answers read frame by frame with the AWS SDK's own event-stream codec
 * (@smithy/core/event-streams), in JSON or CBOR. Every wait is bounded.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { EventStreamCodec, getChunkedStream, type Message } from '@smithy/core/event-streams';
import { Decoder, Encoder } from 'cbor-x';
import { expectSuccess } from './kinesis-json.js';
import { kinesisHeaders } from './raw-request.js';
import { testStreamArn } from './stream-lifecycle.js';

const pollsMax = 1000;
const pollIntervalMs = 10;
export const jsonType = 'application/x-amz-json-1.1';
export const cborType = 'application/x-amz-cbor-1.1';
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

/** Registers a consumer and waits (bounded) until it is ACTIVE; returns its ARN. */
export async function registerActiveConsumer(url: string, streamName: string, consumerName: string): Promise<string> {
  const answer = await expectSuccess(url, 'RegisterStreamConsumer', {
    StreamARN: testStreamArn(streamName),
    ConsumerName: consumerName,
  });
  const arn = (answer.Consumer as { ConsumerARN: string }).ConsumerARN;
  await waitForConsumerStatus(url, arn, 'ACTIVE');
  return arn;
}

export async function waitForConsumerStatus(url: string, consumerArn: string, status: string): Promise<void> {
  let last = '';
  for (let poll = 0; poll < pollsMax; poll++) {
    const answer = await expectSuccess(url, 'DescribeStreamConsumer', { ConsumerARN: consumerArn });
    last = (answer.ConsumerDescription as { ConsumerStatus: string }).ConsumerStatus;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`consumer ${consumerArn} is ${last}, not ${status}, after ${pollsMax} polls`);
}

/** One decoded frame: its headers as plain strings, and its payload decoded (JSON or CBOR). */
export interface Frame {
  readonly headers: Record<string, string>;
  readonly payload: Record<string, unknown>;
}

export function decodeFrame(message: Message, format: 'json' | 'cbor'): Frame {
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(message.headers)) headers[name] = String(header.value);
  const body = Buffer.from(message.body);
  const payload =
    body.length === 0
      ? {}
      : format === 'cbor'
        ? (cborDecoder.decode(body) as Record<string, unknown>)
        : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  return { headers, payload };
}

/** A raw SubscribeToShard answer over HTTP/1.1, read frame by frame. */
export interface RawSubscription {
  readonly statusCode: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Frames in order; ends when the server ends the answer. */
  readonly frames: AsyncIterator<Frame>;
  /** The whole body, for error answers (status ≠ 200). */
  body(): Promise<Buffer>;
  /** Drops the connection (the server sees the client leave). */
  close(): void;
}

export function openRawSubscription(
  url: string,
  input: Record<string, unknown>,
  format: 'json' | 'cbor' = 'json',
  timeoutMs = 30_000,
): Promise<RawSubscription> {
  const body = format === 'cbor' ? Buffer.from(cborEncoder.encode(input)) : Buffer.from(JSON.stringify(input));
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL('/', url),
      {
        method: 'POST',
        headers: kinesisHeaders('SubscribeToShard', format === 'cbor' ? cborType : jsonType),
        agent: false,
      },
      (response) => {
        const messages = getChunkedStream(response as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        resolve({
          statusCode: response.statusCode ?? 0,
          headers: response.headers,
          frames: {
            next: async () => {
              const next = await messages.next();
              return next.done
                ? { done: true, value: undefined }
                : { done: false, value: decodeFrame(codec.decode(next.value), format) };
            },
          },
          body: async () => {
            const chunks: Buffer[] = [];
            for await (const chunk of response) chunks.push(chunk as Buffer);
            return Buffer.concat(chunks);
          },
          close: () => {
            response.destroy();
            request.destroy();
          },
        });
      },
    );
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** The next frame, which must exist. */
export async function nextFrame(subscription: RawSubscription): Promise<Frame> {
  const next = await subscription.frames.next();
  assert.ok(!next.done, 'the subscription ended before the expected frame');
  return next.value;
}

/** Every remaining frame until the server ends the answer (bounded by framesMax). */
export async function remainingFrames(subscription: RawSubscription, framesMax = 10_000): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let count = 0; count < framesMax; count++) {
    const next = await subscription.frames.next();
    if (next.done) return frames;
    frames.push(next.value);
  }
  throw new Error(`more than ${framesMax} frames`);
}

/** Numeric comparison of two sequence numbers (clients compare them as big integers). */
export function compareSequences(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}
