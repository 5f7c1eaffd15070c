/**
 * AWS Signature Version 4 verification with node:crypto, in the order AWS's front end checks
 * (dynalite's recordings): date format → clock skew → Host signed → algorithm → credential shape →
 * credential scope → access key → signature → security token. Each step answers AWS's error.
 *
 * The canonical request follows AWS's SigV4 specification as @smithy/signature-v4 implements it
 * (the test oracle): the path normalised and URI-encoded once more than the client sent it, the
 * query sorted and RFC 3986-encoded (minus X-Amz-Signature when presigned), each
 * signed header's values trimmed, their inner blanks collapsed and joined with ','. Over HTTP/2 the
 * SDK signs `:authority` instead of `host`; whichever the client listed is taken from the request.
 * The payload hash is computed from the body received — never taken from x-amz-content-sha256,
 * so a tampered body fails the signature — except for `UNSIGNED-PAYLOAD`, which signs no body.
 */
import crypto, { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ServiceError } from '../protocol/service-error.js';
import { authErrors, scopeProblems } from './auth-errors.js';
import type { SignatureParts, SignedRequest } from './signature-parts.js';

export const signingAlgorithm = 'AWS4-HMAC-SHA256';
export const unsignedPayload = 'UNSIGNED-PAYLOAD';
/** AWS accepts a signing time up to 15 minutes either side of its clock. */
export const clockSkewMsMax = 15 * 60 * 1000;
/** A presigned request lives at most 7 days (AWS's limit for X-Amz-Expires). */
export const presignedExpiresSecondsMax = 604_800;
/** Cached signing keys, one per (key, day, region, service): bounded, cleared when full. */
export const signingKeysCachedMax = 10_000;

/** What the verifier needs to know about a key: its secret and, for temporary credentials, the token. */
export interface SigningSecret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Temporary credentials stop working at this time. */
  readonly expiresAtMs?: number;
}

export interface VerifyOptions {
  readonly region: string;
  /** The signing name of the service: `kinesis`. */
  readonly service: string;
  readonly nowMs: number;
  readonly lookup: (accessKeyId: string) => SigningSecret | undefined;
}

export type VerifyResult =
  | { readonly ok: true; readonly accessKeyId: string }
  | { readonly ok: false; readonly error: ServiceError; readonly accessKeyId?: string };

const basicDatePattern = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

let lastDateText = '';
let lastDateMs = Number.NaN;

/** `20260101T000000Z` → epoch ms, or NaN. Requests signed in the same second share the last answer. */
export function parseBasicDate(text: string): number {
  if (text === lastDateText) return lastDateMs;
  const ms = parseBasicDateUncached(text);
  lastDateText = text;
  lastDateMs = ms;
  return ms;
}

function parseBasicDateUncached(text: string): number {
  const match = basicDatePattern.exec(text);
  if (!match) return Number.NaN;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1).map(Number);
  if (hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const parsed = new Date(ms);
  // Date.UTC rolls 20260230 over into March; AWS would refuse it.
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day
    ? ms
    : Number.NaN;
}

export function formatBasicDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function fail(error: ServiceError, accessKeyId?: string): VerifyResult {
  return accessKeyId === undefined ? { ok: false, error } : { ok: false, error, accessKeyId };
}

/** Steps before any key is looked up: time, Host, algorithm, credential shape and scope. */
function checkEnvelope(
  parts: SignatureParts,
  options: VerifyOptions,
): { error: ServiceError } | { amzDate: string; scope: string[] } {
  const fromAmzDate = parts.dateSource === 'x-amz-date';
  const signingMs = fromAmzDate ? parseBasicDate(parts.dateText) : Date.parse(parts.dateText);
  if (Number.isNaN(signingMs)) return { error: authErrors.dateFormat(parts.dateText) };
  const date = fromAmzDate ? parts.dateText : formatBasicDate(signingMs);
  const minutes = clockSkewMsMax / 60_000;
  if (signingMs < options.nowMs - clockSkewMsMax) {
    const now = formatBasicDate(options.nowMs);
    return { error: authErrors.signatureExpired(date, formatBasicDate(options.nowMs - clockSkewMsMax), now, minutes) };
  }
  if (signingMs > options.nowMs + clockSkewMsMax) {
    const now = formatBasicDate(options.nowMs);
    return {
      error: authErrors.signatureNotYetCurrent(date, formatBasicDate(options.nowMs + clockSkewMsMax), now, minutes),
    };
  }
  if (parts.expiresText !== undefined) {
    const expiresSeconds = /^\d{1,7}$/.test(parts.expiresText) ? Number(parts.expiresText) : Number.NaN;
    if (!(expiresSeconds >= 1 && expiresSeconds <= presignedExpiresSecondsMax)) {
      return {
        error: authErrors.incomplete(
          `X-Amz-Expires must be a whole number of seconds from 1 to ${presignedExpiresSecondsMax}, got '${parts.expiresText}'.`,
        ),
      };
    }
    if (signingMs + expiresSeconds * 1000 < options.nowMs) {
      return { error: authErrors.presignedExpired(date, expiresSeconds, formatBasicDate(options.nowMs)) };
    }
  }
  const signed = parts.signedHeaders.toLowerCase().split(';');
  if (!signed.includes('host') && !signed.includes(':authority')) return { error: authErrors.hostNotSigned() };
  if (parts.algorithm !== signingAlgorithm) return { error: authErrors.unsupportedAlgorithm(parts.algorithm) };

  const credential = parts.credential.replace(/\/+$/, '');
  const scope = credential.split('/');
  if (scope.length !== 5) return { error: authErrors.credentialShape(credential) };
  const [, scopeDate = '', region = '', service = '', terminator = ''] = scope;
  const problems: string[] = [];
  if (region !== options.region) problems.push(scopeProblems.region(region));
  if (service !== options.service) problems.push(scopeProblems.service(options.service));
  if (terminator !== 'aws4_request') problems.push(scopeProblems.terminator(terminator));
  if (scopeDate !== date.slice(0, 8)) problems.push(scopeProblems.date(scopeDate, date.slice(0, 8), date));
  if (problems.length > 0) return { error: authErrors.credentialScope(problems) };
  return { amzDate: date, scope };
}

/** Verifies a request's signature; on success says whose key signed it. */
export function verifySignature(request: SignedRequest, parts: SignatureParts, options: VerifyOptions): VerifyResult {
  const envelope = checkEnvelope(parts, options);
  if ('error' in envelope) return fail(envelope.error);
  const [accessKeyId = '', scopeDate = ''] = envelope.scope;
  const secret = options.lookup(accessKeyId);
  // Temporary credentials are unknown without their session token.
  if (!secret || (secret.sessionToken !== undefined && parts.securityToken === undefined)) {
    return fail(authErrors.unknownAccessKey(), accessKeyId);
  }
  const canonical = canonicalRequest(request, parts);
  const { amzDate } = envelope;
  const credentialScope = `${scopeDate}/${options.region}/${options.service}/aws4_request`;
  const stringToSign = `${signingAlgorithm}\n${amzDate}\n${credentialScope}\n${sha256Hex(canonical)}`;
  const key = signingKey(secret.secretAccessKey, scopeDate, options.region, options.service);
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  if (!sameText(expected, parts.signature)) return fail(authErrors.signatureMismatch(), accessKeyId);
  if (parts.securityToken !== undefined) {
    if (secret.sessionToken === undefined || !sameText(secret.sessionToken, parts.securityToken)) {
      return fail(authErrors.invalidSecurityToken(), accessKeyId);
    }
    if (secret.expiresAtMs !== undefined && secret.expiresAtMs <= options.nowMs) {
      return fail(authErrors.expiredSecurityToken(), accessKeyId);
    }
  }
  return { ok: true, accessKeyId };
}

function sameText(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** node:crypto's one-shot hash (Node 20.12+) skips a Hash object per call; older Node falls back. */
const oneShotHash: ((algorithm: string, data: string | Buffer, encoding: 'hex') => string) | undefined = (
  crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }
).hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShotHash ? oneShotHash('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

const signingKeys = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request"), cached. */
export function signingKey(secretAccessKey: string, day: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}\n${day}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    const dateKey = createHmac('sha256', `AWS4${secretAccessKey}`).update(day).digest();
    const regionKey = createHmac('sha256', dateKey).update(region).digest();
    const serviceKey = createHmac('sha256', regionKey).update(service).digest();
    key = createHmac('sha256', serviceKey).update('aws4_request').digest();
    if (signingKeys.size >= signingKeysCachedMax) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** RFC 3986 encoding, as the SDKs apply it (encodeURIComponent leaves !'()* alone). */
export function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The path as sent (already URI-encoded by the client), with `.`/`..` and empty segments
 * normalised away, then URI-encoded once more: the double encoding SigV4 asks of every service but
 * S3, which the SDKs (smithy's uriEscapePath, botocore's quote of the sent path) both apply.
 */
export function canonicalPath(rawPath: string): string {
  if (rawPath === '/' || rawPath === '') return '/';
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = segments.length > 0 && rawPath.endsWith('/') ? '/' : '';
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${trailing}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(parts: SignatureParts): string {
  const encoded: string[] = [];
  for (const [name, value] of parts.query) {
    if (parts.location === 'query' && name === 'X-Amz-Signature') continue;
    encoded.push(`${escapeUri(name)}=${escapeUri(value)}`);
  }
  return encoded.sort().join('&');
}

/**
 * The signed headers, as SigV4 canonicalises them: every value of each (in arrival order) trimmed,
 * inner blanks collapsed, joined with ','; `host` and `:authority` stand in for each other.
 */
const blankRun = /\s\s|[\t\n\r\f\v]/;

function canonicalHeaders(request: SignedRequest, names: readonly string[]): string {
  const values = new Map<string, string[]>(names.map((name) => [name, []]));
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const found = values.get((raw[index] as string).toLowerCase());
    if (found === undefined) continue;
    const value = (raw[index + 1] as string).trim();
    found.push(blankRun.test(value) ? value.replace(/\s+/g, ' ') : value);
  }
  let text = '';
  for (const name of names) {
    const list = values.get(name) ?? [];
    if (list.length === 0 && (name === 'host' || name === ':authority')) {
      const other = request.headers[name === 'host' ? ':authority' : 'host'];
      if (typeof other === 'string') list.push(other.trim());
    }
    text += `${name}:${list.join(',')}\n`;
  }
  return text;
}

function payloadHash(request: SignedRequest, parts: SignatureParts): string {
  const declared = request.headers['x-amz-content-sha256'];
  if (declared === unsignedPayload) return unsignedPayload;
  // A presigned request may carry it in the query (the SDKs hoist x-amz-* headers there).
  const inQuery = ([name, value]: readonly [string, string]): boolean =>
    value === unsignedPayload && name.toLowerCase() === 'x-amz-content-sha256';
  if (parts.location === 'query' && parts.query.some(inQuery)) return unsignedPayload;
  return sha256Hex(request.body);
}

export function canonicalRequest(request: SignedRequest, parts: SignatureParts): string {
  const signed = parts.signedHeaders.toLowerCase();
  const headers = canonicalHeaders(request, signed.split(';'));
  const query = parts.query.length === 0 ? '' : canonicalQuery(parts);
  return `${request.method}\n${canonicalPath(parts.rawPath)}\n${query}\n${headers}\n${signed}\n${payloadHash(request, parts)}`;
}
