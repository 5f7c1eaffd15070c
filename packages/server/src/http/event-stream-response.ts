/**
 * Writes an operation's event stream as an HTTP answer: 200, `application/vnd.amazon.eventstream`,
 * no Content-Length (HTTP/1.1 sends it chunked; HTTP/2 as DATA frames), then one frame per event.
 *
 * Backpressure: the next event is pulled from the operation only after the previous frame was
 * accepted by the socket — when `write` returns false (HTTP/2 flow-control window exhausted, or
 * the socket buffer above its high-water mark) the writer waits for 'drain'. A stalled client
 * therefore stops the producer, which reads from storage on demand, instead of growing a queue.
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import {
  type EventStreamOutput,
  encodeInitialResponse,
  encodeStreamEvent,
  eventStreamContentType,
  internalFailureEvent,
  type StreamEvent,
} from '../protocol/event-stream.js';
import { ServiceError } from '../protocol/service-error.js';
import type { WireFormat } from '../protocol/validate.js';

type Response = http.ServerResponse | http2.Http2ServerResponse;

/** Resolves true once `chunk` is accepted without exceeding the buffer, false if the answer is gone. */
function writeFrame(response: Response, chunk: Buffer, signal: AbortSignal): Promise<boolean> {
  if (response.destroyed || response.writableEnded || signal.aborted) return Promise.resolve(false);
  // Both response kinds accept a Buffer; their overloads differ only in the callback forms.
  if ((response as http.ServerResponse).write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const finish = (accepted: boolean): void => {
      response.removeListener('drain', onDrain);
      response.removeListener('close', onClose);
      signal.removeEventListener('abort', onClose);
      resolve(accepted);
    };
    const onDrain = (): void => finish(true);
    const onClose = (): void => finish(false);
    response.once('drain', onDrain);
    response.once('close', onClose);
    signal.addEventListener('abort', onClose, { once: true });
  });
}

function failureEvent(operation: string, error: unknown): StreamEvent {
  if (error instanceof ServiceError) return { kind: 'exception', error };
  console.error(`tributary: ${operation} event stream failed`, error);
  return internalFailureEvent();
}

/**
 * Streams `output` to the client until the events end, the client goes away or `signal` aborts
 * (server shutdown). Never rejects: a failing producer ends the stream with an exception frame.
 */
export async function writeEventStream(
  operation: string,
  response: Response,
  output: EventStreamOutput,
  format: WireFormat,
  signal: AbortSignal,
): Promise<void> {
  response.statusCode = 200;
  response.setHeader('Content-Type', eventStreamContentType);
  const iterator = output.events[Symbol.asyncIterator]();
  try {
    let open = await writeFrame(response, encodeInitialResponse(output.initialResponse, format), signal);
    while (open) {
      let event: StreamEvent;
      let last = false;
      try {
        const next = await iterator.next();
        if (next.done) break;
        event = next.value;
        last = event.kind === 'exception';
      } catch (error) {
        event = failureEvent(operation, error);
        last = true;
      }
      open = (await writeFrame(response, encodeStreamEvent(event, format), signal)) && !last;
    }
  } catch (error) {
    console.error(`tributary: ${operation} event stream failed`, error);
  } finally {
    // Lets the producer release what it holds (its subscription slot) however the stream ended.
    await Promise.resolve(iterator.return?.()).catch(() => undefined);
    if (!response.destroyed && !response.writableEnded) response.end();
  }
}
