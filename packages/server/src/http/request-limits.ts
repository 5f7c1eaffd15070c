/**
 * Limits on what one client can make the server hold: request bodies by operation, headers,
 * connections, streams per HTTP/2 connection, and how long a slow client may take. Every limit
 * has its unit in its name and its reason beside it; the timeouts and the connection limit can
 * be changed with options (`--request-timeout-ms`, … see config.ts), the rest are fixed.
 */

const mebibyte = 1024 * 1024;

/**
 * PutRecord and PutRecords: a stream may allow 10 MiB records (UpdateMaxRecordSize, up to
 * 10240 KiB) and a PutRecords request carries up to 10 MiB; in base64 JSON that is about 13.4 MiB.
 */
export const dataRequestBodyBytesMax = 16 * mebibyte;
/**
 * Every other operation: the largest legitimate inputs (a resource policy, 50 tags, a
 * 10,000-shard ListShards filter) are a few KiB; 1 MiB leaves ample room and keeps a flood of
 * oversized control-plane bodies from tying up memory.
 */
export const controlRequestBodyBytesMax = mebibyte;

const dataOperations: ReadonlySet<string> = new Set(['PutRecord', 'PutRecords']);

/** The body limit for a request, by its X-Amz-Target (unknown targets get the control-plane one). */
export function requestBodyBytesMaxFor(target: string): number {
  const operation = target.slice(target.indexOf('.') + 1);
  return dataOperations.has(operation) ? dataRequestBodyBytesMax : controlRequestBodyBytesMax;
}

/** Node's HTTP/1.1 default, made explicit: the request line and all headers together. */
export const headerBytesMax = 16 * 1024;
/** Headers parsed per HTTP/1.1 request (node drops the rest); the SDKs send about 12. */
export const headerCountMax = 100;
/** HTTP/2: header fields per request, pseudo-headers included (node's default is 128). */
export const http2HeaderPairsMax = 100;
/**
 * HTTP/2 streams in flight per connection. Each may hold a request body of up to 16 MiB, so this
 * bounds one connection's memory; 128 is what load balancers commonly allow (RFC 9113 asks for
 * at least 100).
 */
export const http2StreamsPerConnectionMax = 128;

export interface ConnectionLimits {
  /** Open connections at most; more are closed as they arrive. */
  readonly connectionsMax: number;
  /** An HTTP/1.1 request's headers must arrive within this (slowloris). */
  readonly headersTimeoutMs: number;
  /** An HTTP/1.1 request must arrive whole within this, body included (a stalled upload). */
  readonly requestTimeoutMs: number;
  /** An HTTP/2 stream or session, or an HTTP/1.1 connection, with no traffic this long is closed. */
  readonly idleTimeoutMs: number;
}

export const connectionLimitDefaults: ConnectionLimits = {
  // Well under the usual 65,536 open files; each connection costs a descriptor and some buffers.
  connectionsMax: 10_000,
  headersTimeoutMs: 15_000,
  // node:http's own default; a 16 MiB PutRecords at 1 Mbit/s takes about two minutes.
  requestTimeoutMs: 300_000,
  // Longer than keep-alive (60 s), so idle keep-alive connections close by keep-alive's rules.
  idleTimeoutMs: 90_000,
};
