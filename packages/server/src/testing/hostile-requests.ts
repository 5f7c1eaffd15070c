/**
 * Test support: a fast-check arbitrary for whole hostile requests against the Kinesis front door —
 * near-valid JSON and CBOR inputs for every operation of the model with mutations inside, random
 * JSON, random CBOR items, random bytes, truncated bodies; and around them odd X-Amz-Target values,
 * content types, methods, paths and Authorization headers, over HTTP/1.1 and HTTP/2.
 */
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { kinesisModel } from '../services/streams/model.generated.js';
import { streamsOperations } from '../services/streams/operations/index.js';
import { type BodyFormat, jsonBytes, replaceInvalidUtf8Marks } from './hostile-values.js';
import { nearValidInput } from './near-valid-inputs.js';
import { fakeAuthorization } from './raw-request.js';
import type { WireRequest } from './wire-transport.js';

const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});
const formatTypes: Readonly<Record<BodyFormat, string>> = {
  json: 'application/x-amz-json-1.1',
  cbor: 'application/x-amz-cbor-1.1',
};
const operations = Object.keys(kinesisModel.operations);
/** Implemented operations get most requests: only they reach type checks, constraints and behaviour. */
const operation = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...Object.keys(streamsOperations)) },
  { weight: 1, arbitrary: fc.constantFrom(...operations) },
);

function cborBytes(value: unknown): Buffer {
  try {
    return replaceInvalidUtf8Marks(Buffer.from(cborEncoder.encode(value)));
  } catch {
    // cbor-x refuses a few values (a bigint beyond 64 bits); an unfinished map stands in.
    return Buffer.from([0xbf, 0x61]);
  }
}

interface Body {
  readonly format: BodyFormat;
  readonly bytes: Buffer;
}

/** Truncates, corrupts or extends a body now and then. */
const bodyDamage: fc.Arbitrary<(bytes: Buffer) => Buffer> = fc.oneof(
  { weight: 16, arbitrary: fc.constant((bytes: Buffer) => bytes) },
  {
    weight: 1,
    arbitrary: fc
      .double({ min: 0, max: 1, noNaN: true })
      .map((fraction) => (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length * fraction))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([fraction, garbage]) => (bytes: Buffer) => {
        const at = Math.floor(bytes.length * fraction);
        return Buffer.concat([bytes.subarray(0, at), garbage, bytes.subarray(at)]);
      }),
  },
);

function nearValidBody(operation: string, format: BodyFormat): fc.Arbitrary<Body> {
  const inputShape = kinesisModel.operations[operation]?.input;
  const input = inputShape ? nearValidInput(inputShape, format) : fc.constant({});
  return fc.tuple(input, bodyDamage).map(([value, damage]) => ({
    format,
    bytes: damage(format === 'json' ? jsonBytes(value) : cborBytes(value)),
  }));
}

const randomBytes = fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes));

const jsonBody = (bytes: Buffer): Body => ({ format: 'json', bytes });
const cborBody = (bytes: Buffer): Body => ({ format: 'cbor', bytes });

function bodyFor(operation: string): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 50, arbitrary: nearValidBody(operation, 'json') },
    { weight: 25, arbitrary: nearValidBody(operation, 'cbor') },
    { weight: 6, arbitrary: fc.json({ maxDepth: 4 }).map((text) => jsonBody(Buffer.from(text))) },
    { weight: 5, arbitrary: randomBytes.map(jsonBody) },
    { weight: 6, arbitrary: fc.anything({ maxDepth: 3 }).map((value) => cborBody(cborBytes(value))) },
    { weight: 5, arbitrary: randomBytes.map(cborBody) },
    { weight: 3, arbitrary: fc.constantFrom(jsonBody(Buffer.alloc(0)), cborBody(Buffer.alloc(0))) },
  );
}

/** Printable ASCII without surrounding blanks: what every HTTP stack lets through as a header value. */
const headerText = fc
  .string({ unit: fc.constantFrom(...Array.from({ length: 95 }, (_, index) => String.fromCharCode(32 + index))) })
  .map((text) => text.trim());

/** Usually `usual`; now and then one of the odd ones. */
function usuallyOr<T>(usual: fc.Arbitrary<T>, ...odd: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 12 * odd.length, arbitrary: usual }, ...odd.map((arbitrary) => ({ weight: 1, arbitrary })));
}

const absent = fc.constant(undefined);

function targetFor(operation: string): fc.Arbitrary<string | undefined> {
  return usuallyOr<string | undefined>(
    fc.constant(`Kinesis_20131202.${operation}`),
    absent,
    fc.constantFrom(
      '',
      'Kinesis_20131202',
      'Kinesis_20131202.',
      '.ListStreams',
      'Kinesis_20131202.ListStreams.Extra',
      'kinesis_20131202.ListStreams',
      'Kinesis_20131202.listStreams',
      'DynamoDB_20120810.ListTables',
      'Kinesis_20131202.__proto__',
      'Kinesis_20131202.constructor',
      'Kinesis_20131202.hasOwnProperty',
    ),
    fc.constantFrom(...operations).map((other) => `Kinesis_20131202.${other}`),
    headerText,
  );
}

function contentTypeFor(format: BodyFormat): fc.Arbitrary<string | undefined> {
  return usuallyOr<string | undefined>(
    fc.constant(formatTypes[format]),
    absent,
    fc.constantFrom(
      'application/json',
      'application/x-amz-json-1.0',
      'application/x-amz-json-1.1; charset=utf-8',
      'application/x-amz-cbor-1.1;v=2',
      'APPLICATION/X-AMZ-JSON-1.1',
      'text/plain',
      '',
      'multipart/form-data; boundary=x',
    ),
    fc.constant(formatTypes[format === 'json' ? 'cbor' : 'json']),
    headerText,
  );
}

const method = usuallyOr(fc.constant('POST'), fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'));

const authorization = usuallyOr<string | undefined>(
  fc.constant(fakeAuthorization),
  absent,
  fc.constantFrom(
    'AWS4-HMAC-SHA256',
    'AWS4-HMAC-SHA256 Credential=a',
    'AWS4-HMAC-SHA256 Credential=, Signature=, SignedHeaders=',
    'AWS4-HMAC-SHA256 Credential=a=b=c, Signature=x, SignedHeaders=y',
    'Bearer token',
    ',,,,',
    '=',
  ),
  headerText,
);

const dateHeaders = usuallyOr<Record<string, string>>(
  fc.constant({ 'x-amz-date': '20260101T000000Z' }),
  fc.constant({}),
  fc.constant({ date: 'Thu, 01 Jan 2026 00:00:00 GMT' }),
);

const corsHeaders = usuallyOr<Record<string, string>>(
  fc.constant({}),
  fc.constant({ origin: 'http://example.com' }),
  fc.constant({
    origin: 'null',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type,x-amz-target',
  }),
);

const pathText = fc
  .string({ unit: fc.constantFrom(...'abc/?=&%.-_~+XAmz'), maxLength: 24 })
  .map((text) => `/${text}`)
  .filter((path) => !path.startsWith('/health'));

const path = usuallyOr(
  fc.constant('/'),
  fc.constantFrom(
    '//',
    '//?X-Amz-Algorithm=AWS4-HMAC-SHA256',
    'http://[',
    '*',
    '/?X-Amz-Algorithm=AWS4-HMAC-SHA256',
    '/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=host&X-Amz-Date=20260101T000000Z',
    '/?%zz',
    '/?X-Amz-Algorithm',
  ),
  pathText,
);

/** One hostile request; HTTP/2 paths always start with `/` (nghttp2 refuses others itself). */
export const hostileRequest: fc.Arbitrary<WireRequest> = operation
  .chain((name) =>
    bodyFor(name).chain((body) =>
      fc.record({
        protocol: fc.constantFrom<WireRequest['protocol']>('http1', 'http1', 'http1', 'http2'),
        method,
        path,
        target: targetFor(name),
        contentType: contentTypeFor(body.format),
        authorization,
        dates: dateHeaders,
        cors: corsHeaders,
        body: fc.constant(body.bytes),
      }),
    ),
  )
  .map((parts) => {
    const headers: Record<string, string> = { ...parts.dates, ...parts.cors };
    if (parts.target !== undefined) headers['x-amz-target'] = parts.target;
    if (parts.contentType !== undefined) headers['content-type'] = parts.contentType;
    if (parts.authorization !== undefined) headers.authorization = parts.authorization;
    const requestPath = parts.protocol === 'http2' && !parts.path.startsWith('/') ? `/${parts.path}` : parts.path;
    return { protocol: parts.protocol, method: parts.method, path: requestPath, headers, body: parts.body };
  });

/** A short description of a request for failure messages. */
export function describeRequest(request: WireRequest): string {
  const preview = request.body.subarray(0, 300);
  return (
    `${request.protocol} ${request.method} ${request.path} ${JSON.stringify(request.headers)} ` +
    `body(${request.body.length} bytes): ${JSON.stringify(preview.toString('latin1'))}`
  );
}
