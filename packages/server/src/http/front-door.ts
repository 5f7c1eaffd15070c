/**
 * The front door: every request passes AWS's checks in AWS's order, each answering with the exact
 * error AWS gives at that step (after kinesalite, which recorded them against the real service):
 *   body limit → request ids → CORS → method → empty body → content type → parse → target →
 *   authentication present → types → constraints → operation.
 * Services never see HTTP; they get checked input and return plain objects.
 */
import { randomFillSync, randomUUID } from 'node:crypto';
import type http from 'node:http';
import http2 from 'node:http2';
import type net from 'node:net';
import { createRequestGuard, type RequestGuard } from '../auth/guard.js';
import {
  cborContentType,
  decodeBody,
  encodeAnswer,
  encodeBody,
  jsonContentType,
  PiecewiseBody,
} from '../protocol/codec.js';
import { isEventStreamOutput } from '../protocol/event-stream.js';
import type { RpcService } from '../protocol/rpc-service.js';
import { internalFailure, ServiceError, serializationError } from '../protocol/service-error.js';
import { checkConstraints, convertInput, type WireFormat } from '../protocol/validate.js';
import type { RequestHandler } from './dual-server.js';
import { writeEventStream } from './event-stream-response.js';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface FrontDoorOptions {
  readonly services: readonly RpcService[];
  /** Largest accepted request body: a 10 MiB PutRecords in base64 JSON, with room to spare. */
  readonly requestBodyBytesMax: number;
  /**
   * A request body not received in full this long after its headers is given up: answered 408
   * (when nothing was answered yet), its HTTP/1.1 connection closed or its HTTP/2 stream reset.
   * Without it a client that declares more than it sends pins the request (and shutdown) forever.
   */
  readonly requestBodyReceiveMsMax: number;
  /** Extra routes (GET /health, …) tried before the AWS protocol handling. */
  readonly routes?: (request: Request, response: Response) => boolean;
  /** The body limit by X-Amz-Target (http/request-limits.ts); at most requestBodyBytesMax. */
  readonly requestBodyBytesMaxFor?: (target: string) => number;
  /** Authentication and authorization (auth/guard.ts); absent, a complete-looking signature is enough. */
  readonly guard?: RequestGuard;
}

export interface FrontDoor {
  readonly handler: RequestHandler;
  /** Resolves when no request is in flight. */
  drained(): Promise<void>;
  /** Ends every event stream in flight (server shutdown): they finish cleanly, without an error. */
  endEventStreams(): void;
}

const exposedHeaders = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';

/**
 * The cancellation of one request, made lazily: most operations never look at their signal, and
 * an AbortController per request costs the main thread (3.5 % at 32 PutRecord callers). The
 * controller is created when an operation first reads `signal` (SubscribeToShard does); a
 * cancellation that came before that hands out an already aborted signal.
 */
class RequestCancellation {
  #controller: AbortController | undefined;
  #reason: Error | undefined;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: Error): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** Abort reasons, made once: `abort()` without one builds a DOMException (a stack capture) each time. */
const clientGone = new Error('the client went away before the answer was complete');
const serverShutdown = new Error('the server is shutting down');

const amzId2Bytes = 72;
/** Random bytes for x-amz-id-2, drawn from the kernel 256 answers at a time instead of per answer. */
const amzId2Pool = Buffer.alloc(amzId2Bytes * 256);
let amzId2Next = amzId2Pool.length;

/** A fresh x-amz-id-2: 72 random bytes in base64, as AWS sends. */
function nextAmzId2(): string {
  if (amzId2Next + amzId2Bytes > amzId2Pool.length) {
    randomFillSync(amzId2Pool);
    amzId2Next = 0;
  }
  const start = amzId2Next;
  amzId2Next += amzId2Bytes;
  return amzId2Pool.toString('base64', start, amzId2Next);
}

function send(
  response: Response,
  statusCode: number,
  body: Buffer | string | PiecewiseBody,
  contentType?: string,
): void {
  if (response.headersSent || response.destroyed) return;
  response.statusCode = statusCode;
  if (contentType !== undefined) response.setHeader('Content-Type', contentType);
  if (body instanceof PiecewiseBody) {
    // Large answers (a GetRecords drain) go out in pieces; protocol/codec.ts.
    response.setHeader('Content-Length', body.byteLength);
    body.writeTo(response);
    return;
  }
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(body);
}

function sendXml(response: Response, type: string, message: string | undefined, statusCode: number): void {
  const body = message === undefined ? `<${type}/>\n` : `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;
  send(response, statusCode, body);
}

function sendError(response: Response, error: ServiceError, format: WireFormat, contentType: string): void {
  send(response, error.statusCode, encodeBody(error.toBody(), format), contentType);
}

function firstHeader(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const services = new Map(options.services.map((service) => [service.targetPrefix, service]));
  const guard = options.guard ?? createRequestGuard({ mode: 'off' });
  let inFlight = 0;
  let idle: Array<() => void> = [];
  // One per request in flight: aborted when its client goes away, or all at once at shutdown.
  const cancellations = new Set<RequestCancellation>();
  const finished = (): void => {
    inFlight--;
    if (inFlight === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };

  const handler: RequestHandler = (request, response) => {
    inFlight++;
    const cancellation = new RequestCancellation();
    cancellations.add(cancellation);
    response.once('close', () => {
      cancellations.delete(cancellation);
      // Only an answer cut short (the client went away mid-stream) has work left to cancel.
      // Aborting every finished request would build a DOMException and dispatch an event per
      // request for nothing (≈ 15 µs, 8 % of the main thread at 32 PutRecord callers).
      // writableEnded, not writableFinished: HTTP/2's compat response reports a stream reset by
      // the client as "finished".
      if (!response.writableEnded) cancellation.abort(clientGone);
      finished();
    });
    if (options.routes?.(request, response)) return;
    readBody(request, response, options, (body) => {
      handle(services, guard, request, response, body, cancellation).catch((error: unknown) => {
        console.error('tributary: unexpected error', error);
        send(response, 500, encodeBody(internalFailure().toBody(), 'json'), jsonContentType);
      });
    });
  };
  return {
    handler,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
    endEventStreams: () => {
      for (const cancellation of cancellations) cancellation.abort(serverShutdown);
    },
  };
}

function readBody(
  request: Request,
  response: Response,
  limits: Pick<FrontDoorOptions, 'requestBodyBytesMax' | 'requestBodyReceiveMsMax' | 'requestBodyBytesMaxFor'>,
  done: (body: Buffer) => void,
): void {
  const target = firstHeader(request.headers['x-amz-target']);
  const operationBytesMax = limits.requestBodyBytesMaxFor?.(target) ?? limits.requestBodyBytesMax;
  const bytesMax = Math.min(limits.requestBodyBytesMax, operationBytesMax);
  const declared = Number(firstHeader(request.headers['content-length']) || '0');
  // Once the body is refused or given up, a later 'end' (HTTP/2 ends the request when its stream
  // closes) must not start handling it.
  let refused = false;
  const deadline = setTimeout(() => {
    refused = true;
    giveUp(request, response);
  }, limits.requestBodyReceiveMsMax);
  const stopDeadline = (): void => clearTimeout(deadline);
  request.once('end', stopDeadline);
  response.once('close', stopDeadline);
  const tooLarge = (): void => {
    refused = true;
    request.removeAllListeners('data');
    // HTTP/1.1 connections close after a refused body; HTTP/2 forbids the header (its stream resets).
    if (!('stream' in request)) {
      response.setHeader('Connection', 'close');
      lingerOnClose(request.socket);
    }
    send(response, 413, '');
    request.resume();
  };
  if (declared > bytesMax) {
    tooLarge();
    return;
  }
  const chunks: Buffer[] = [];
  let receivedBytes = 0;
  request.on('data', (chunk: Buffer) => {
    receivedBytes += chunk.length;
    if (receivedBytes > bytesMax) {
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (!refused) done(Buffer.concat(chunks, receivedBytes));
  });
  request.on('error', () => response.destroy());
}

/** How long a refused HTTP/1.1 upload is still read (and thrown away) after its answer. */
const lingerMsMax = 5_000;

/**
 * Closes an HTTP/1.1 connection the way nginx and Apache do after refusing a body ("lingering
 * close"): send FIN after the answer, then keep reading and discarding what the client is still
 * sending until it closes its side, for at most lingerMsMax. node:http destroys the socket right
 * after the answer instead; bytes still arriving then make the kernel send RST, and a client that
 * has not yet read the 413 loses it to "connection reset" (seen about one run in fifteen).
 */
function lingerOnClose(socket: net.Socket): void {
  socket.destroySoon = () => {
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), lingerMsMax);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    // The HTTP parser keeps consuming (the refused request is resumed, its data dropped); with
    // allowHalfOpen off the socket is destroyed when the client's FIN arrives.
    socket.end();
  };
}

/** The body did not arrive in time (see requestBodyReceiveMsMax). */
function giveUp(request: Request, response: Response): void {
  request.removeAllListeners('data');
  if ('stream' in request) {
    send(response, 408, '');
    // RFC 9113 §8.1: after a complete answer, RST_STREAM NO_ERROR asks the client to stop sending.
    request.stream.close(http2.constants.NGHTTP2_NO_ERROR);
  } else {
    // node:http answers its own request timeout the same way; the connection closes after it.
    if (!response.headersSent) response.setHeader('Connection', 'close');
    send(response, 408, '');
    if (response.headersSent && !response.writableEnded) response.destroy();
  }
}

async function handle(
  services: ReadonlyMap<string, RpcService>,
  guard: RequestGuard,
  request: Request,
  response: Response,
  body: Buffer,
  cancellation: RequestCancellation,
): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  const origin = request.headers.origin;
  if (request.method !== 'OPTIONS' || !origin) {
    response.setHeader('x-amz-id-2', nextAmzId2());
  }
  if (origin) {
    response.setHeader('Access-Control-Allow-Origin', '*');
    if (request.method === 'OPTIONS') {
      const headers = request.headers['access-control-request-headers'];
      const method = request.headers['access-control-request-method'];
      if (headers) response.setHeader('Access-Control-Allow-Headers', headers);
      if (method) response.setHeader('Access-Control-Allow-Methods', method);
      response.setHeader('Access-Control-Max-Age', 172800);
      return send(response, 200, '');
    }
    response.setHeader('Access-Control-Expose-Headers', exposedHeaders);
  }
  if (request.method !== 'POST') {
    return sendXml(
      response,
      'AccessDeniedException',
      'Unable to determine service/operation name to be authorized',
      403,
    );
  }

  const contentType = firstHeader(request.headers['content-type']).split(';')[0]?.trim() ?? '';
  const contentValid = [jsonContentType, cborContentType, 'application/json'].includes(contentType);
  const [prefix = '', operation = ''] = firstHeader(request.headers['x-amz-target']).split('.');
  const service = services.get(prefix);
  const operationValid = service !== undefined && operation !== '' && service.implements(operation);

  if (body.length === 0) {
    const format: WireFormat = contentType === jsonContentType ? 'json' : 'cbor';
    const type = operationValid ? 'SerializationException' : 'UnknownOperationException';
    return sendError(
      response,
      new ServiceError(type, undefined),
      format,
      format === 'json' ? jsonContentType : cborContentType,
    );
  }
  if (!contentValid) {
    if (prefix === '' || operation === '') {
      return sendXml(
        response,
        'AccessDeniedException',
        'Unable to determine service/operation name to be authorized',
        403,
      );
    }
    return sendXml(response, 'UnknownOperationException', undefined, 404);
  }

  const format: WireFormat = contentType === cborContentType ? 'cbor' : 'json';
  const document = decodeBody(body, format);
  if (document === null || typeof document !== 'object') {
    if (contentType === 'application/json') {
      const coral = { Output: { __type: 'com.amazon.coral.service#SerializationException' }, Version: '1.0' };
      return send(response, 400, JSON.stringify(coral), contentType);
    }
    return sendError(response, serializationError(), format, contentType);
  }
  if (contentType === 'application/json') {
    // Plain application/json reaches Coral's legacy envelope and goes no further on AWS.
    const coral = { Output: { __type: 'com.amazon.coral.service#UnknownOperationException' }, Version: '1.0' };
    return send(response, 404, JSON.stringify(coral), contentType);
  }
  if (!service || !operationValid) {
    return sendError(response, new ServiceError('UnknownOperationException', undefined), format, contentType);
  }

  // Authentication (auth/guard.ts): a missing, incomplete or (with --auth sigv4) wrong signature.
  const caller = guard.authenticate(request, body, service, operation);
  if (caller instanceof ServiceError) return sendError(response, caller, format, contentType);

  try {
    const model = service.model.operations[operation];
    const inputShape = model?.input ?? null;
    const input = convertInput(service.model, inputShape, document, format);
    checkConstraints(service.model, inputShape, input);
    // Authorization (auth/guard.ts): throws AccessDeniedException, answered below.
    guard.authorize(caller, service, operation, input);
    // The options object hands the signal out on demand (see RequestCancellation).
    const output = await service.invoke(operation, input, cancellation);
    // Errors found before the first frame are plain error answers; later ones travel as frames.
    if (isEventStreamOutput(output)) {
      return await writeEventStream(operation, response, output, format, cancellation.signal);
    }
    // Operations whose model output is empty answer with an empty body, as AWS does.
    send(response, 200, model?.output === null ? '' : encodeAnswer(output, format), contentType);
  } catch (error) {
    if (error instanceof ServiceError) return sendError(response, error, format, contentType);
    console.error(`tributary: ${operation} failed`, error);
    sendError(response, internalFailure(), format, contentType);
  }
}
