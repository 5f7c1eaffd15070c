/**
 * Reads the SigV4 signature a request carries — in the Authorization header or in a presigned
 * query string — and answers AWS's first three authentication errors: both forms at once
 * (InvalidSignatureException), neither (MissingAuthenticationTokenException), or an incomplete
 * one (IncompleteSignatureException, listing every missing part as kinesalite recorded it).
 * Nothing here looks at keys or computes a signature; sigv4.ts does that.
 */
import type { ServiceError } from '../protocol/service-error.js';
import { authErrors } from './auth-errors.js';

/** What the authentication step needs of an HTTP/1.1 or HTTP/2 request. */
export interface SignedRequest {
  readonly method: string;
  /** The request target as received (path and query, not normalised). */
  readonly target: string;
  /** Header values by lower-case name, as node joins repeated headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Names and values alternating, as received (HTTP/2 pseudo-headers included). */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export interface SignatureParts {
  readonly location: 'header' | 'query';
  readonly algorithm: string;
  readonly credential: string;
  /** The SignedHeaders list as sent, e.g. `content-type;host;x-amz-date`. */
  readonly signedHeaders: string;
  readonly signature: string;
  /** The signing time as sent: X-Amz-Date (header or query) or, failing that, the Date header. */
  readonly dateText: string;
  readonly dateSource: 'x-amz-date' | 'date';
  readonly securityToken: string | undefined;
  /** X-Amz-Expires of a presigned request, as sent. */
  readonly expiresText: string | undefined;
  /** The query parameters, decoded, in the order received. */
  readonly query: ReadonlyArray<readonly [string, string]>;
  /** The path part of the target, as received. */
  readonly rawPath: string;
}

export function firstHeader(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function decodeComponent(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Query parameters decoded once, without URLSearchParams' form rules (`+` stays `+`, as SigV4
 * canonicalises it). Only the target's query string matters: parsing the whole target as a URL
 * threw on targets such as `//` or `http://[`.
 */
export function parseQuery(target: string): { rawPath: string; pairs: Array<[string, string]> } {
  const queryStart = target.indexOf('?');
  if (queryStart === -1) return { rawPath: target, pairs: [] };
  const pairs: Array<[string, string]> = [];
  for (const part of target.slice(queryStart + 1).split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals === -1 ? part : part.slice(0, equals);
    const value = equals === -1 ? '' : part.slice(equals + 1);
    pairs.push([decodeComponent(name), decodeComponent(value)]);
  }
  return { rawPath: target.slice(0, queryStart), pairs };
}

function queryValue(pairs: ReadonlyArray<readonly [string, string]>, name: string): string | undefined {
  return pairs.find(([key]) => key === name)?.[1];
}

const headerParameters = ['Credential', 'Signature', 'SignedHeaders'] as const;
const queryParameters = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'];

/** What every SDK sends; read with one expression (the general split below gives the same result). */
const usualAuthorization =
  /^(AWS4-HMAC-SHA256) Credential=([^\s,=]+), ?SignedHeaders=([^\s,=]+), ?Signature=([0-9a-f]+)$/;

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, split the way AWS tolerates. */
function authorizationParameters(authorization: string): { algorithm: string; values: Map<string, string> } {
  const usual = usualAuthorization.exec(authorization);
  if (usual) {
    const [, algorithm = '', credential = '', signedHeaders = '', signature = ''] = usual;
    const values = new Map([
      ['Credential', credential],
      ['SignedHeaders', signedHeaders],
      ['Signature', signature],
    ]);
    return { algorithm, values };
  }
  const parts = authorization.split(/,| /);
  const values = new Map<string, string>();
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const [key = '', ...rest] = part.trim().split('=');
    // kinesalite's recording keeps only the text up to a second '=' when judging presence.
    if (rest[0] === undefined || rest[0] === '') values.set(key, '');
    else values.set(key, rest.join('='));
  }
  return { algorithm: parts[0] ?? '', values };
}

/** The signature of a request, or the error AWS answers when it is absent or incomplete. */
export function readSignature(request: SignedRequest): SignatureParts | ServiceError {
  const authorization = firstHeader(request.headers.authorization);
  const { rawPath, pairs } = parseQuery(request.target);
  const presigned = pairs.some(([name]) => name === 'X-Amz-Algorithm');
  if (authorization && presigned) return authErrors.bothHeaderAndQuery();
  if (!authorization && !presigned) return authErrors.missingToken();

  if (authorization) {
    const { algorithm, values } = authorizationParameters(authorization);
    const amzDate = firstHeader(request.headers['x-amz-date']);
    const date = firstHeader(request.headers.date);
    let message = '';
    for (const name of headerParameters) {
      if (!values.get(name)) message += `Authorization header requires '${name}' parameter. `;
    }
    if (!amzDate && !date) {
      message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    }
    if (message) return authErrors.incomplete(`${message}Authorization=${authorization}`);
    return {
      location: 'header',
      algorithm,
      credential: values.get('Credential') ?? '',
      signedHeaders: values.get('SignedHeaders') ?? '',
      signature: values.get('Signature') ?? '',
      dateText: amzDate || date,
      dateSource: amzDate ? 'x-amz-date' : 'date',
      securityToken: firstHeader(request.headers['x-amz-security-token']) || undefined,
      expiresText: undefined,
      query: pairs,
      rawPath,
    };
  }

  let message = '';
  for (const name of queryParameters) {
    if (!queryValue(pairs, name)) message += `AWS query-string parameters must include '${name}'. `;
  }
  if (message) return authErrors.incomplete(`${message}Re-examine the query-string parameters.`);
  return {
    location: 'query',
    algorithm: queryValue(pairs, 'X-Amz-Algorithm') ?? '',
    credential: queryValue(pairs, 'X-Amz-Credential') ?? '',
    signedHeaders: queryValue(pairs, 'X-Amz-SignedHeaders') ?? '',
    signature: queryValue(pairs, 'X-Amz-Signature') ?? '',
    dateText: queryValue(pairs, 'X-Amz-Date') ?? '',
    dateSource: 'x-amz-date',
    securityToken:
      queryValue(pairs, 'X-Amz-Security-Token') || firstHeader(request.headers['x-amz-security-token']) || undefined,
    expiresText: queryValue(pairs, 'X-Amz-Expires'),
    query: pairs,
    rawPath,
  };
}
