/**
 * Test support: a fast-check arbitrary for requests signed the way the SDK signs them (by the
 * @smithy/signature-v4 oracle) and then, most of the time, mutated the way an attacker or a
 * broken client would: a body byte flipped after signing, a signed header changed or dropped, the
 * signature, credential scope, date, algorithm or session token altered, a presigned query
 * tampered with, keys that are unknown or wrong. Each plan knows whether the result is still
 * authentic — the server must then let it past authentication — or forged — the server must then
 * refuse it at authentication (or at an earlier protocol check), never let it reach an operation.
 *
 * Plans are plain data (so fast-check can print and shrink them); `materialize` signs them.
 */
import { Encoder } from 'cbor-x';
import fc from 'fast-check';
import { kinesisModel } from '../services/streams/model.generated.js';
import { streamsOperations } from '../services/streams/operations/index.js';
import { type BodyFormat, jsonBytes, replaceInvalidUtf8Marks } from './hostile-values.js';
import { validValue } from './near-valid-inputs.js';
import { signRequest, type TestCredentials } from './sigv4-oracle.js';
import { testUsers } from './test-users.js';
import type { WireProtocol, WireRequest } from './wire-transport.js';

/** Who signs: configured users, a key the server does not know, and a known key with a wrong secret. */
export const signers = {
  admin: testUsers.admin,
  reader: testUsers.reader,
  temporary: testUsers.temporary,
  guest: testUsers.guest,
  stranger: { accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'stranger-secret' },
  wrongSecret: { accessKeyId: testUsers.admin.accessKeyId, secretAccessKey: 'not-the-admin-secret' },
} as const satisfies Record<string, TestCredentials>;
export type SignerName = keyof typeof signers;

/** Mutations that leave a request authentic. */
const authenticMutations = [
  'none',
  'clock-drift-within-skew',
  'unsigned-extra-header',
  'commas-without-blanks',
  'unsigned-payload-then-new-body',
] as const;
/** Mutations that forge a request. */
const forgingMutations = [
  'flip-body-byte',
  'append-body-byte',
  'truncate-body',
  'change-target',
  'change-signed-date',
  'drop-date',
  'change-host',
  'flip-signature-char',
  'truncate-signature',
  'uppercase-signature',
  'scope-region',
  'scope-service',
  'scope-terminator',
  'scope-date',
  'credential-parts',
  'algorithm',
  'expired',
  'not-yet-current',
  'malformed-date',
  'add-session-token',
  'forge-session-token',
  'drop-session-token',
  'random-authorization',
  'drop-authorization',
  'header-and-query',
  'claim-unsigned-payload',
] as const;
export type Mutation = (typeof authenticMutations)[number] | (typeof forgingMutations)[number];

export interface SignedPlan {
  readonly protocol: WireProtocol;
  readonly operation: string;
  readonly format: BodyFormat;
  readonly input: unknown;
  readonly signer: SignerName;
  readonly presigned: boolean;
  readonly mutation: Mutation;
  /** Where a byte flip, cut or character change lands (0…1 of the length). */
  readonly position: number;
  /** Seconds of clock offset for the drift/expiry mutations, or random text for the garbage ones. */
  readonly offsetSeconds: number;
  readonly noise: string;
}

const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});
const contentTypes: Readonly<Record<BodyFormat, string>> = {
  json: 'application/x-amz-json-1.1',
  cbor: 'application/x-amz-cbor-1.1',
};
const implemented = Object.keys(streamsOperations);
const modelled = Object.keys(kinesisModel.operations);

function bodyOf(input: unknown, format: BodyFormat): Buffer {
  if (format === 'json') return jsonBytes(input);
  try {
    return replaceInvalidUtf8Marks(Buffer.from(cborEncoder.encode(input)));
  } catch {
    return Buffer.from([0xbf, 0x61]);
  }
}

/**
 * Valid input, so most authentic requests reach the operation. Mutated inputs are the front-door
 * fuzzer's job (hostile-requests.ts); the security fuzz mixes some of its requests in.
 */
function inputFor(operation: string, format: BodyFormat): fc.Arbitrary<unknown> {
  const shape = kinesisModel.operations[operation]?.input;
  return shape ? validValue(shape, format) : fc.constant({});
}

const noise = fc.string({ maxLength: 40, unit: fc.constantFrom(...'AWS4-HMAC-SHA256 Credential=Signature,/;= aZ09') });
const signer = fc.oneof(
  { weight: 6, arbitrary: fc.constant<SignerName>('admin') },
  { weight: 1, arbitrary: fc.constantFrom<SignerName>('reader', 'temporary', 'guest', 'stranger', 'wrongSecret') },
);
const mutation = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom<Mutation>(...authenticMutations) },
  { weight: 3, arbitrary: fc.constantFrom<Mutation>(...forgingMutations) },
);
const operationAndFormat = fc.tuple(
  fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...implemented) },
    { weight: 1, arbitrary: fc.constantFrom(...modelled) },
  ),
  fc.constantFrom<BodyFormat>('json', 'json', 'cbor'),
);

export const signedPlan: fc.Arbitrary<SignedPlan> = fc
  .tuple(
    operationAndFormat.chain(([operation, format]) =>
      inputFor(operation, format).map((input) => ({ operation, format, input })),
    ),
    fc.constantFrom<WireProtocol>('http1', 'http2'),
    signer,
    fc.integer({ min: 0, max: 4 }).map((value) => value === 0),
    mutation,
    fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    fc.integer({ min: 0, max: 14 * 60 }),
    noise,
  )
  .map(([{ operation, format, input }, protocol, signerName, presigned, chosen, position, offsetSeconds, text]) => ({
    protocol,
    operation,
    format,
    input,
    signer: signerName,
    presigned,
    mutation: chosen,
    position,
    offsetSeconds,
    noise: text,
  }));

/** True when the plan's request is authentic: signed by a configured key and not tampered with. */
export function isAuthentic(plan: SignedPlan): boolean {
  if (plan.signer === 'stranger' || plan.signer === 'wrongSecret') return false;
  if (
    plan.presigned &&
    (plan.mutation === 'commas-without-blanks' || plan.mutation === 'unsigned-payload-then-new-body')
  ) {
    return true; // these two only concern the header form; a presigned request is left as signed
  }
  return (authenticMutations as readonly string[]).includes(plan.mutation);
}

function flipHex(text: string, at: number): string {
  const index = Math.min(text.length - 1, Math.floor(at * text.length));
  const char = text[index] ?? '0';
  return `${text.slice(0, index)}${char === '0' ? '1' : '0'}${text.slice(index + 1)}`;
}

function replaceInAuthorization(
  headers: Record<string, string>,
  pattern: RegExp,
  replacement: (match: string) => string,
): void {
  if (headers.authorization !== undefined) headers.authorization = headers.authorization.replace(pattern, replacement);
}

function replaceInQuery(path: string, name: string, change: (value: string) => string): string {
  return path.replace(
    new RegExp(`([?&]${name}=)([^&]*)`),
    (_all, prefix: string, value: string) => `${prefix}${change(value)}`,
  );
}

/** Signs a plan with the oracle and applies its mutation. `authority` is host:port as the client sends it. */
export async function materialize(plan: SignedPlan, authority: string, nowMs: number): Promise<WireRequest> {
  let body = bodyOf(plan.input, plan.format);
  const headers: Record<string, string> = {
    'content-type': contentTypes[plan.format],
    'x-amz-target': `Kinesis_20131202.${plan.operation}`,
  };
  if (plan.mutation === 'unsigned-payload-then-new-body') headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
  const credentials = signers[plan.signer];
  const signing = (() => {
    switch (plan.mutation) {
      case 'clock-drift-within-skew':
        return {
          date: nowMs + (plan.position < 0.5 ? -1 : 1) * plan.offsetSeconds * 1000,
          region: 'us-east-1',
          service: 'kinesis',
        };
      case 'expired':
        return { date: nowMs - (16 * 60 + plan.offsetSeconds) * 1000, region: 'us-east-1', service: 'kinesis' };
      case 'not-yet-current':
        return { date: nowMs + (16 * 60 + plan.offsetSeconds) * 1000, region: 'us-east-1', service: 'kinesis' };
      case 'scope-region':
        return { date: nowMs, region: 'eu-west-1', service: 'kinesis' };
      case 'scope-service':
        return { date: nowMs, region: 'us-east-1', service: 'firehose' };
      default:
        return { date: nowMs, region: 'us-east-1', service: 'kinesis' };
    }
  })();
  const signed = await signRequest({ authority, protocol: plan.protocol, headers, body }, credentials, {
    signingDate: new Date(signing.date),
    region: signing.region,
    service: signing.service,
    ...(plan.presigned ? { presignExpiresSeconds: 900 } : {}),
  });
  const out: Record<string, string> = Object.fromEntries(
    Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
  let path = signed.path;
  const at = plan.position;
  switch (plan.mutation) {
    case 'unsigned-extra-header':
      out['x-fuzz-unsigned'] = plan.noise.trim() || 'x';
      break;
    case 'commas-without-blanks':
      replaceInAuthorization(out, /, /g, () => ',');
      break;
    case 'unsigned-payload-then-new-body':
      body = Buffer.concat([body, Buffer.from(' ')]);
      break;
    case 'flip-body-byte':
      if (body.length === 0) body = Buffer.from('{}');
      else {
        body = Buffer.from(body);
        const index = Math.floor(at * body.length);
        body[index] = (body[index] ?? 0) ^ 0x01;
      }
      break;
    case 'append-body-byte':
      body = Buffer.concat([body, Buffer.from(' ')]);
      break;
    case 'truncate-body':
      body = body.subarray(0, Math.floor(at * body.length));
      break;
    case 'change-target': {
      const other = implemented[Math.floor(at * implemented.length)] ?? 'ListStreams';
      out['x-amz-target'] = `Kinesis_20131202.${other === plan.operation ? 'DescribeLimits' : other}`;
      if (`Kinesis_20131202.${plan.operation}` === out['x-amz-target'])
        out['x-amz-target'] = 'Kinesis_20131202.ListStreams';
      break;
    }
    case 'change-signed-date':
      if (plan.presigned)
        path = replaceInQuery(path, 'X-Amz-Date', (value) =>
          value.replace(/\d(Z)$/, (digit) => `${(Number(digit[0]) + 1) % 10}Z`),
        );
      else if (out['x-amz-date'])
        out['x-amz-date'] = out['x-amz-date'].replace(/\d(Z)$/, (digit) => `${(Number(digit[0]) + 1) % 10}Z`);
      break;
    case 'drop-date':
      if (plan.presigned) path = path.replace(/[?&]X-Amz-Date=[^&]*/, '');
      else delete out['x-amz-date'];
      break;
    case 'change-host':
      out[plan.protocol === 'http2' ? ':authority' : 'host'] = 'attacker.example';
      break;
    case 'flip-signature-char':
      if (plan.presigned) path = replaceInQuery(path, 'X-Amz-Signature', (value) => flipHex(value, at));
      else replaceInAuthorization(out, /Signature=([0-9a-f]+)/, (match) => `Signature=${flipHex(match.slice(10), at)}`);
      break;
    case 'truncate-signature':
      if (plan.presigned) path = replaceInQuery(path, 'X-Amz-Signature', (value) => value.slice(0, 63));
      else replaceInAuthorization(out, /Signature=[0-9a-f]+/, (match) => match.slice(0, -1));
      break;
    case 'uppercase-signature':
      if (plan.presigned)
        path = replaceInQuery(path, 'X-Amz-Signature', (value) => `${value.toUpperCase()}F`.slice(0, 64));
      else
        replaceInAuthorization(out, /Signature=[0-9a-f]+/, (match) =>
          `Signature=${match.slice(10).toUpperCase()}F`.slice(0, 74),
        );
      break;
    case 'scope-terminator':
      if (plan.presigned) path = path.replace('aws4_request', 'aws5_request');
      else replaceInAuthorization(out, /aws4_request/, () => 'aws5_request');
      break;
    case 'scope-date':
      if (plan.presigned) path = path.replace(/(X-Amz-Credential=[^%]+%2F)\d{8}/, '$119990101');
      else replaceInAuthorization(out, /(Credential=[^/]+\/)\d{8}/, (match) => match.replace(/\d{8}$/, '19990101'));
      break;
    case 'credential-parts':
      if (plan.presigned) path = path.replace('%2Faws4_request', '');
      else replaceInAuthorization(out, /\/aws4_request/, () => '');
      break;
    case 'algorithm':
      if (plan.presigned) path = replaceInQuery(path, 'X-Amz-Algorithm', () => 'AWS4-HMAC-SHA512');
      else replaceInAuthorization(out, /^AWS4-HMAC-SHA256/, () => 'AWS4-HMAC-SHA512');
      break;
    case 'malformed-date':
      if (plan.presigned) path = replaceInQuery(path, 'X-Amz-Date', () => encodeURIComponent(plan.noise) || '2026');
      else out['x-amz-date'] = plan.noise.trim() || '2026';
      break;
    case 'add-session-token':
      if (plan.presigned) path = `${path}&X-Amz-Security-Token=made-up`;
      else out['x-amz-security-token'] = 'made-up';
      break;
    case 'forge-session-token':
      if (!plan.presigned) out['x-amz-security-token'] = 'forged';
      else if (path.includes('X-Amz-Security-Token='))
        path = replaceInQuery(path, 'X-Amz-Security-Token', () => 'forged');
      else path = `${path}&X-Amz-Security-Token=forged`;
      break;
    case 'drop-session-token':
      // Temporary keys lose their token; long-term keys get one that is not theirs.
      if (plan.signer === 'temporary') {
        path = path.replace(/([?&])X-Amz-Security-Token=[^&]*&?/, '$1').replace(/[?&]$/, '');
        delete out['x-amz-security-token'];
      } else {
        out['x-amz-security-token'] = 'not-mine';
      }
      break;
    case 'random-authorization':
      delete out.authorization;
      if (plan.presigned) path = '/';
      out.authorization = plan.noise.trim() || 'AWS4-HMAC-SHA256';
      break;
    case 'drop-authorization':
      delete out.authorization;
      if (plan.presigned) path = '/';
      break;
    case 'header-and-query':
      if (plan.presigned)
        out.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00`;
      else path = '/?X-Amz-Algorithm=AWS4-HMAC-SHA256';
      break;
    case 'claim-unsigned-payload':
      out['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      break;
    default:
      break;
  }
  if (path.startsWith('/&')) path = `/?${path.slice(2)}`;
  const { ':authority': authorityHeader, ...rest } = out;
  const requestHeaders: Record<string, string> = { ...rest };
  if (authorityHeader !== undefined) requestHeaders[':authority'] = authorityHeader;
  return { protocol: plan.protocol, method: 'POST', path, headers: requestHeaders, body };
}
