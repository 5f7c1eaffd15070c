/**
 * Event-stream answers (`application/vnd.amazon.eventstream`) of the AWS RPC protocols, such as
 * SubscribeToShard's. An operation returns an EventStreamOutput instead of a plain object; the
 * front door writes the HTTP part and this module builds each frame with the AWS SDK's own codec
 * (@smithy/core/event-streams): prelude, headers, payload and the two CRC-32s.
 *
 * Frames (smithy `amazon-eventstream` and AWS's SubscribeToShard reference):
 * - first an `initial-response` event carrying the output's non-stream members (an empty object
 *   for SubscribeToShard) — the SDKs wait for it before they hand the stream to the caller;
 * - then one event per item, `:event-type` naming the union member (`SubscribeToShardEvent`);
 * - an error after the stream started is an `exception` message whose `:exception-type` names a
 *   modeled error (ResourceInUseException, …); the stream ends after it.
 * Payloads are encoded in the request's format (JSON 1.1 or CBOR) by codec.ts, like any answer.
 */
import { EventStreamCodec, type MessageHeaders } from '@smithy/core/event-streams';
import { cborContentType, encodeBody, jsonContentType } from './codec.js';
import { ServiceError } from './service-error.js';
import type { WireFormat } from './validate.js';

export const eventStreamContentType = 'application/vnd.amazon.eventstream';

export type StreamEvent =
  | { readonly kind: 'event'; readonly eventType: string; readonly body: Record<string, unknown> }
  | { readonly kind: 'exception'; readonly error: ServiceError };

const eventStreamBrand: unique symbol = Symbol('tributary.eventStream');

/**
 * What an operation returns to answer with an event stream. It is an output object like any other
 * (callers that only pass outputs along need not know); the front door recognises it by its brand.
 */
export interface EventStreamOutput extends Record<string, unknown> {
  readonly [eventStreamBrand]: true;
  /** The output's members other than the stream, sent as the `initial-response` event. */
  readonly initialResponse: Record<string, unknown>;
  /**
   * The events, pulled one at a time: the front door asks for the next only after the previous
   * one was handed to the socket, so a slow reader holds the producer back. Ending the iteration
   * ends the HTTP response cleanly.
   */
  readonly events: AsyncIterable<StreamEvent>;
}

export function eventStreamOutput(
  events: AsyncIterable<StreamEvent>,
  initialResponse: Record<string, unknown> = {},
): EventStreamOutput {
  return { [eventStreamBrand]: true, initialResponse, events };
}

export function isEventStreamOutput(value: unknown): value is EventStreamOutput {
  return typeof value === 'object' && value !== null && eventStreamBrand in value;
}

const codec = new EventStreamCodec(
  (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text: string) => Buffer.from(text, 'utf8'),
);

function payloadContentType(format: WireFormat): string {
  return format === 'cbor' ? cborContentType : jsonContentType;
}

function frame(headers: MessageHeaders, body: Buffer): Buffer {
  const encoded = codec.encode({ headers, body });
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}

export function encodeInitialResponse(initialResponse: Record<string, unknown>, format: WireFormat): Buffer {
  return frame(
    {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'string', value: 'initial-response' },
      ':content-type': { type: 'string', value: payloadContentType(format) },
    },
    encodeBody(initialResponse, format),
  );
}

/**
 * Frames already encoded, by event and format: an event object yielded to several subscribers
 * (shard-subscription.ts shares them) is encoded once. Held only as long as the event is.
 */
const encodedFrames = new WeakMap<StreamEvent, Partial<Record<WireFormat, Buffer>>>();

export function encodeStreamEvent(event: StreamEvent, format: WireFormat): Buffer {
  let frames = encodedFrames.get(event);
  if (!frames) {
    frames = {};
    encodedFrames.set(event, frames);
  }
  frames[format] ??= encodeStreamEventOnce(event, format);
  return frames[format];
}

function encodeStreamEventOnce(event: StreamEvent, format: WireFormat): Buffer {
  const contentType = { type: 'string', value: payloadContentType(format) } as const;
  if (event.kind === 'event') {
    return frame(
      {
        ':message-type': { type: 'string', value: 'event' },
        ':event-type': { type: 'string', value: event.eventType },
        ':content-type': contentType,
      },
      encodeBody(event.body, format),
    );
  }
  return frame(
    {
      ':message-type': { type: 'string', value: 'exception' },
      ':exception-type': { type: 'string', value: event.error.type },
      ':content-type': contentType,
    },
    encodeBody({ message: event.error.message }, format),
  );
}

/**
 * What a stream ends with when its producer fails unexpectedly: InternalFailureException is the
 * member of SubscribeToShard's event union for server faults.
 */
export function internalFailureEvent(): StreamEvent {
  return {
    kind: 'exception',
    error: new ServiceError('InternalFailureException', 'Internal service failure.', { fault: 'server' }),
  };
}
