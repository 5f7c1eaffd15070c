/**
 * Calls of Tributary's lease extension API (`TributaryLeases_20261126`): JSON 1.1 over HTTP/1.1
 * keep-alive, signed with SigV4 as the `kinesis` service (the server verifies it when its auth
 * is on), AWS-style error answers turned into LeaseStoreErrors.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { LeaseStoreError, leaseStoreErrorOf } from './lease-errors.js';

export const leasesTargetPrefix = 'TributaryLeases_20261126';

/** Credentials as the AWS SDK takes them: values, or a provider that resolves them. */
export interface LeaseCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}
export type LeaseCredentialsInput = LeaseCredentials | (() => Promise<LeaseCredentials>);

/** An endpoint as the AWS SDK resolves one (`kinesisClient.config.endpoint`). */
export interface SdkEndpoint {
  readonly protocol: string;
  readonly hostname: string;
  readonly port?: number | undefined;
  readonly path: string;
}
export type EndpointInput = string | URL | (() => Promise<SdkEndpoint>);

export interface NativeTransportOptions {
  /** The Tributary server, e.g. `http://127.0.0.1:4567`, or an SDK endpoint provider. */
  readonly endpoint: EndpointInput;
  readonly region: string | (() => Promise<string>);
  readonly credentials: LeaseCredentialsInput;
  /** A call without a complete answer after this long fails with a retryable NetworkError. */
  readonly requestTimeoutMs?: number;
  /** Connections kept open to the server at most. */
  readonly connectionsMax?: number;
}

/** Long enough for a durable write on a loaded disk, short enough to fail over well within a lease's failover time. */
export const requestTimeoutMsDefault = 10_000;
export const connectionsMaxDefault = 16;
/**
 * Idle keep-alive connections are closed by the client after this, well before the server's 60 s
 * keep-alive timeout, so a request is never sent on a connection the server is closing.
 */
const idleSocketMs = 30_000;
/** Answers larger than this are refused (a ListLeases page of 1000 leases is about 500 KiB). */
const answerBytesMax = 8 * 1024 * 1024;

/** What the signer hashes: text, bytes, or an ArrayBuffer (the SDK's SourceData). */
type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** node:crypto behind the hash interface the signer expects (SHA-256, or HMAC-SHA-256 with a secret). */
class NodeSha256 {
  #hash: Hash | Hmac;
  readonly #secret: SourceData | undefined;

  constructor(secret?: SourceData) {
    this.#secret = secret;
    this.#hash = NodeSha256.#make(secret);
  }

  static #make(secret: SourceData | undefined): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }

  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }

  reset(): void {
    this.#hash = NodeSha256.#make(this.#secret);
  }
}

function checkedUrl(url: URL): URL {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the lease endpoint must be http: or https:, not ${url.protocol}`);
  }
  return url;
}

function urlOf(endpoint: SdkEndpoint): URL {
  const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  return checkedUrl(new URL(`${endpoint.protocol}//${host}${port}${endpoint.path}`));
}

interface Connection {
  readonly url: URL;
  readonly agent: http.Agent;
}

export class NativeTransport {
  readonly #endpoint: EndpointInput;
  #connection: Promise<Connection> | undefined;
  readonly #agentOptions: http.AgentOptions;
  readonly #signer: SignatureV4;
  readonly #requestTimeoutMs: number;

  constructor(options: NativeTransportOptions) {
    this.#endpoint = options.endpoint;
    // A URL given as text is checked at once; a provider's answer at the first call.
    if (typeof options.endpoint !== 'function') checkedUrl(new URL(options.endpoint));
    const credentials = options.credentials;
    this.#signer = new SignatureV4({
      service: 'kinesis',
      region: options.region,
      credentials: typeof credentials === 'function' ? credentials : async () => credentials,
      sha256: NodeSha256,
    });
    this.#agentOptions = {
      keepAlive: true,
      maxSockets: options.connectionsMax ?? connectionsMaxDefault,
      timeout: idleSocketMs,
    };
    this.#requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
  }

  /** Calls one operation; resolves with the answer's body, rejects with a LeaseStoreError. */
  async call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const connection = await this.#connect();
    const { url } = connection;
    const body = JSON.stringify(input);
    const port = url.port === '' ? undefined : Number(url.port);
    const host = url.host;
    const path = url.pathname === '' ? '/' : url.pathname;
    const unsigned = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(port === undefined ? {} : { port }),
      path,
      query: {},
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${leasesTargetPrefix}.${operation}`,
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
    };
    const signed = await this.#signer.sign(unsigned as Parameters<SignatureV4['sign']>[0]);
    const answer = await this.#send(connection, signed.headers as Record<string, string>, body);
    const text = answer.body.toString('utf8');
    let parsed: Record<string, unknown> = {};
    if (text !== '') {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        throw new LeaseStoreError(
          'InvalidAnswer',
          `${operation}: the server answered ${answer.statusCode} with no JSON`,
          {
            statusCode: answer.statusCode,
            retryable: answer.statusCode >= 500,
          },
        );
      }
    }
    if (answer.statusCode === 200) return parsed;
    const type = String(parsed.__type ?? `Http${answer.statusCode}`).replace(/^.*#/, '');
    const message = String(parsed.message ?? parsed.Message ?? type);
    throw leaseStoreErrorOf(type, `${operation}: ${message}`, answer.statusCode);
  }

  /** Closes the kept-alive connections. */
  close(): void {
    void this.#connection?.then(
      (connection) => connection.agent.destroy(),
      () => {},
    );
  }

  #connect(): Promise<Connection> {
    if (this.#connection === undefined) {
      const endpoint = this.#endpoint;
      const resolving =
        typeof endpoint === 'function' ? endpoint().then(urlOf) : Promise.resolve(checkedUrl(new URL(endpoint)));
      this.#connection = resolving.then((url) => ({
        url,
        agent: url.protocol === 'https:' ? new https.Agent(this.#agentOptions) : new http.Agent(this.#agentOptions),
      }));
      // A failed resolution is tried again at the next call.
      this.#connection.catch(() => {
        this.#connection = undefined;
      });
    }
    return this.#connection;
  }

  #send(
    connection: Connection,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ statusCode: number; body: Buffer }> {
    const { url, agent } = connection;
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void =>
        reject(
          new LeaseStoreError('NetworkError', `lease call failed: ${error.message}`, { retryable: true, cause: error }),
        );
      const request = transport.request(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname === '' ? '/' : url.pathname,
          method: 'POST',
          headers,
          agent,
          timeout: this.#requestTimeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          let receivedBytes = 0;
          response.on('data', (chunk: Buffer) => {
            receivedBytes += chunk.length;
            if (receivedBytes > answerBytesMax) {
              request.destroy(new Error(`answer larger than ${answerBytesMax} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => resolve({ statusCode: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
          response.on('error', fail);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.#requestTimeoutMs} ms`)));
      request.on('error', fail);
      request.end(body);
    });
  }
}
