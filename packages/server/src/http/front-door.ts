/**
 * The front door: every request passes AWS's checks in AWS's order, each answering with the exact
 * error AWS gives at that step (after kinesalite, which recorded them against the real service):
 *   body limit → request ids → CORS → method → empty body → content type → parse → target →
 *   authentication present → types → constraints → operation.
 * Services never see HTTP; they get checked input and return plain objects.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type http2 from 'node:http2';
import { cborContentType, decodeBody, encodeBody, jsonContentType } from '../protocol/codec.js';
import type { RpcService } from '../protocol/rpc-service.js';
import { internalFailure, ServiceError, serializationError } from '../protocol/service-error.js';
import { checkConstraints, convertInput, type WireFormat } from '../protocol/validate.js';
import type { RequestHandler } from './dual-server.js';

type Request = http.IncomingMessage | http2.Http2ServerRequest;
type Response = http.ServerResponse | http2.Http2ServerResponse;

export interface FrontDoorOptions {
  readonly services: readonly RpcService[];
  /** Largest accepted request body: a 10 MiB PutRecords in base64 JSON, with room to spare. */
  readonly requestBodyBytesMax: number;
  /** Extra routes (GET /health, …) tried before the AWS protocol handling. */
  readonly routes?: (request: Request, response: Response) => boolean;
}

export interface FrontDoor {
  readonly handler: RequestHandler;
  /** Resolves when no request is in flight. */
  drained(): Promise<void>;
}

const exposedHeaders = 'x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date';

function send(response: Response, statusCode: number, body: Buffer | string, contentType?: string): void {
  if (response.headersSent || response.destroyed) return;
  response.statusCode = statusCode;
  if (contentType !== undefined) response.setHeader('Content-Type', contentType);
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
  let inFlight = 0;
  let idle: Array<() => void> = [];
  const finished = (): void => {
    inFlight--;
    if (inFlight === 0) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  };

  const handler: RequestHandler = (request, response) => {
    inFlight++;
    response.once('close', finished);
    if (options.routes?.(request, response)) return;
    readBody(request, response, options.requestBodyBytesMax, (body) => {
      handle(services, request, response, body).catch((error: unknown) => {
        console.error('tributary: unexpected error', error);
        send(response, 500, encodeBody(internalFailure().toBody(), 'json'), jsonContentType);
      });
    });
  };
  return {
    handler,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
  };
}

function readBody(request: Request, response: Response, bytesMax: number, done: (body: Buffer) => void): void {
  const declared = Number(firstHeader(request.headers['content-length']) || '0');
  const tooLarge = (): void => {
    request.removeAllListeners('data');
    // HTTP/1.1 connections close after a refused body; HTTP/2 forbids the header (its stream resets).
    if (!('stream' in request)) response.setHeader('Connection', 'close');
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
    if (receivedBytes <= bytesMax) done(Buffer.concat(chunks, receivedBytes));
  });
  request.on('error', () => response.destroy());
}

async function handle(
  services: ReadonlyMap<string, RpcService>,
  request: Request,
  response: Response,
  body: Buffer,
): Promise<void> {
  response.setHeader('x-amzn-RequestId', randomUUID());
  const origin = request.headers.origin;
  if (request.method !== 'OPTIONS' || !origin) {
    response.setHeader('x-amz-id-2', randomBytes(72).toString('base64'));
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

  const authProblem = authenticationProblem(request);
  if (authProblem) return sendError(response, authProblem, format, contentType);

  try {
    const model = service.model.operations[operation];
    const inputShape = model?.input ?? null;
    const input = convertInput(service.model, inputShape, document, format);
    checkConstraints(service.model, inputShape, input);
    const output = await service.invoke(operation, input);
    // Operations whose model output is empty answer with an empty body, as AWS does.
    send(response, 200, model?.output === null ? '' : encodeBody(output, format), contentType);
  } catch (error) {
    if (error instanceof ServiceError) return sendError(response, error, format, contentType);
    console.error(`tributary: ${operation} failed`, error);
    sendError(response, internalFailure(), format, contentType);
  }
}

/**
 * AWS refuses unsigned requests before looking at them. Verifying signatures is a later step
 * (security issue); here a request must carry a complete-looking signature.
 */
function authenticationProblem(request: Request): ServiceError | undefined {
  const authorization = firstHeader(request.headers.authorization);
  // Only the query string of the request target matters here. Parsing the whole target as a URL
  // threw on targets such as `//` or `http://[` (and answered 500).
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
  const presigned = query.has('X-Amz-Algorithm');
  if (authorization && presigned) {
    return new ServiceError(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }
  if (!authorization && !presigned) {
    return new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  let message = '';
  if (authorization) {
    const parameters = new Map(
      authorization
        .split(/,| /)
        .slice(1)
        .filter(Boolean)
        .map((part) => {
          const [key = '', value = ''] = part.trim().split('=');
          return [key, value] as const;
        }),
    );
    for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
      if (!parameters.get(name)) message += `Authorization header requires '${name}' parameter. `;
    }
    if (!request.headers['x-amz-date'] && !request.headers.date) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message) message += `Authorization=${authorization}`;
  } else {
    for (const name of [
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Signature',
      'X-Amz-SignedHeaders',
      'X-Amz-Date',
    ]) {
      if (!query.get(name)) message += `AWS query-string parameters must include '${name}'. `;
    }
    if (message) message += 'Re-examine the query-string parameters.';
  }
  return message ? new ServiceError('IncompleteSignatureException', message) : undefined;
}
