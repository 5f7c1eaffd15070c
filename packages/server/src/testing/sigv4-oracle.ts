/**
 * Test support: requests signed by @smithy/signature-v4 — the signer inside the AWS SDK for
 * JavaScript, and so the oracle the server's own verifier (auth/sigv4.ts) is held to — for raw
 * requests the SDKs would never send (CBOR bodies, tampered bodies, odd dates, presigned URLs).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

export interface TestCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** node:crypto behind the Checksum interface the signer expects (sha256-js would do, slower). */
class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #chunks: Buffer[] = [];
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined ? undefined : bytes(secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#chunks.push(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    const data = Buffer.concat(this.#chunks);
    const hash = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
    return new Uint8Array(hash.update(data).digest());
  }
  reset(): void {
    this.#chunks = [];
  }
}

const signers = new Map<string, SignatureV4>();

/** A signer per key, region and service (kept, so its signing-key cache works as the SDK's does). */
export function oracleSigner(credentials: TestCredentials, region = 'us-east-1', service = 'kinesis'): SignatureV4 {
  const key = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, region, service].join(
    '\n',
  );
  let signer = signers.get(key);
  if (signer === undefined) {
    signer = new SignatureV4({
      credentials,
      region,
      service,
      sha256: NodeSha256,
      uriEscapePath: true,
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

export interface RequestToSign {
  readonly method?: string;
  /** `host:port` as the client sends it (Host over HTTP/1.1, :authority over HTTP/2). */
  readonly authority: string;
  readonly protocol: 'http1' | 'http2';
  /** Path with an optional query string, e.g. `/` or `/?a=1`. */
  readonly path?: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface SignOptions {
  readonly region?: string;
  readonly service?: string;
  readonly signingDate?: Date;
  /** Presign (query-string signature) instead of an Authorization header. */
  readonly presignExpiresSeconds?: number;
}

function splitPath(path: string): { path: string; query: Record<string, string> } {
  const at = path.indexOf('?');
  if (at === -1) return { path, query: {} };
  return { path: path.slice(0, at), query: Object.fromEntries(new URLSearchParams(path.slice(at + 1))) };
}

/** Encodes a query the way the SDK does before sending (RFC 3986). */
export function encodeQuery(query: Record<string, string | string[] | null | undefined>): string {
  const encode = (text: string): string =>
    encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) parts.push(`${encode(name)}=${encode(item)}`);
  }
  return parts.join('&');
}

/**
 * Signs a request as the SDK would (the host or :authority header included) and returns the
 * headers and path to send: with an Authorization header, or a presigned query string.
 */
export async function signRequest(
  request: RequestToSign,
  credentials: TestCredentials,
  options: SignOptions = {},
): Promise<{ headers: Record<string, string>; path: string }> {
  const hostHeader = request.protocol === 'http2' ? ':authority' : 'host';
  const [hostname = '', port] = request.authority.split(':');
  const { path, query } = splitPath(request.path ?? '/');
  const toSign = {
    method: request.method ?? 'POST',
    protocol: 'http:',
    hostname,
    ...(port === undefined ? {} : { port: Number(port) }),
    path,
    query,
    headers: { ...request.headers, [hostHeader]: request.authority },
    body: request.body,
  };
  const signer = oracleSigner(credentials, options.region, options.service);
  const signingDate = options.signingDate ?? new Date();
  if (options.presignExpiresSeconds !== undefined) {
    // X-Amz-Target names the operation and stays a header (the front door reads it from there).
    const presigned = await signer.presign(toSign, {
      signingDate,
      expiresIn: options.presignExpiresSeconds,
      unhoistableHeaders: new Set(['x-amz-target']),
    });
    const { [hostHeader]: _host, ...headers } = presigned.headers;
    const encoded = encodeQuery(presigned.query ?? {});
    return { headers, path: `${presigned.path}${encoded ? `?${encoded}` : ''}` };
  }
  const signed = await signer.sign(toSign, { signingDate });
  const { [hostHeader]: _host, ...headers } = signed.headers as Record<string, string>;
  return { headers, path: request.path ?? '/' };
}
