/**
 * Test support: judges whether an answer is one AWS could have given — the shapes listed in
 * docs/errors.md — without re-deriving which error a request deserves. A hostile-input test holds
 * every answer to this: never a 5xx, never an unshaped body, the right Content-Type.
 */
import { cbor as smithyCbor } from '@smithy/core/cbor';
import { kinesisModel } from '../services/streams/model.generated.js';
import type { WireAnswer, WireRequest } from './wire-transport.js';

const jsonType = 'application/x-amz-json-1.1';
const cborType = 'application/x-amz-cbor-1.1';
const plainJsonType = 'application/json';

export const accessDeniedXml =
  '<AccessDeniedException>\n  <Message>Unable to determine service/operation name to be authorized</Message>\n' +
  '</AccessDeniedException>\n';
export const unknownOperationXml = '<UnknownOperationException/>\n';
const coralEnvelope = (type: string): string =>
  JSON.stringify({ Output: { __type: `com.amazon.coral.service#${type}` }, Version: '1.0' });

/** Client errors a Kinesis answer may carry: the model's exceptions and the protocol's own. */
export const clientErrorNames: ReadonlySet<string> = new Set([
  ...Object.entries(kinesisModel.shapes)
    .filter(([, shape]) => shape.type === 'structure' && shape.exception === true)
    .map(([name]) => name)
    .filter((name) => name !== 'InternalFailureException'),
  'SerializationException',
  'UnknownOperationException',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'InvalidSignatureException',
  // With --auth sigv4 (auth/auth-errors.ts).
  'UnrecognizedClientException',
  'ExpiredTokenException',
]);

function header(answer: WireAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function decode(body: Buffer, contentType: string): unknown {
  if (body.length === 0) return undefined;
  if (contentType === cborType) return smithyCbor.deserialize(new Uint8Array(body));
  return JSON.parse(body.toString('utf8'));
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A JSON 1.1 / CBOR error body: a map with a known `__type` and at most a string message. */
function errorBodyProblem(body: unknown): string | undefined {
  if (!isPlainMap(body)) return 'error body is not a map';
  const type = body.__type;
  if (typeof type !== 'string' || !clientErrorNames.has(type)) return `unknown __type ${String(type)}`;
  for (const [key, value] of Object.entries(body)) {
    if (key === '__type') continue;
    if (key !== 'message' && key !== 'Message') return `unexpected member ${key}`;
    if (typeof value !== 'string') return `${key} is not a string`;
  }
  return undefined;
}

function xmlProblem(answer: WireAnswer, request: WireRequest, expected: readonly string[]): string | undefined {
  if (header(answer, 'content-type') !== undefined) return 'XML answer carries a Content-Type';
  if (request.method === 'HEAD') return answer.body.length === 0 ? undefined : 'HEAD answer has a body';
  const text = answer.body.toString('utf8');
  return expected.includes(text) ? undefined : `unexpected XML body ${JSON.stringify(text.slice(0, 200))}`;
}

function rpcProblem(answer: WireAnswer, request: WireRequest, contentType: string): string | undefined {
  if (header(answer, 'content-type') !== contentType) {
    return `Content-Type ${header(answer, 'content-type')} instead of ${contentType}`;
  }
  let body: unknown;
  try {
    body = decode(answer.body, contentType);
  } catch (error) {
    return `body does not decode as ${contentType}: ${(error as Error).message}`;
  }
  if (answer.statusCode === 400) return errorBodyProblem(body);
  if (answer.statusCode !== 200) return `status ${answer.statusCode} for an RPC answer`;
  const authenticated = request.headers.authorization !== undefined || request.path.includes('X-Amz-Algorithm');
  if (!authenticated) return 'an unauthenticated request succeeded';
  if (body !== undefined && (!isPlainMap(body) || '__type' in body)) return 'success body is not an output map';
  return undefined;
}

/** Describes what is wrong with an answer, or undefined when it is shaped as AWS shapes it. */
export function answerProblem(request: WireRequest, answer: WireAnswer): string | undefined {
  const status = answer.statusCode;
  if (status >= 500 || status < 200) return `status ${status}`;
  if (status === 413) return answer.body.length === 0 ? undefined : '413 with a body';
  if (header(answer, 'x-amzn-requestid') === undefined) return 'no x-amzn-RequestId';
  const origin = request.headers.origin;
  if (request.method === 'OPTIONS' && origin) {
    return status === 200 && answer.body.length === 0 ? undefined : 'CORS preflight not answered 200 and empty';
  }
  if (request.method !== 'POST') {
    return status === 403 ? xmlProblem(answer, request, [accessDeniedXml]) : `status ${status} for ${request.method}`;
  }
  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  if (request.body.length === 0) {
    if (status !== 400) return `status ${status} for an empty body`;
    return rpcProblem(answer, request, contentType === jsonType ? jsonType : cborType);
  }
  if (![jsonType, cborType, plainJsonType].includes(contentType)) {
    if (status === 403) return xmlProblem(answer, request, [accessDeniedXml]);
    if (status === 404) return xmlProblem(answer, request, [unknownOperationXml]);
    return `status ${status} for content type ${JSON.stringify(contentType)}`;
  }
  if (contentType === plainJsonType) {
    const expected = status === 400 ? 'SerializationException' : 'UnknownOperationException';
    if (status !== 400 && status !== 404) return `status ${status} for application/json`;
    if (header(answer, 'content-type') !== plainJsonType) return 'Coral envelope without application/json';
    const text = answer.body.toString('utf8');
    return text === coralEnvelope(expected) ? undefined : `unexpected Coral envelope ${text.slice(0, 200)}`;
  }
  return rpcProblem(answer, request, contentType);
}
