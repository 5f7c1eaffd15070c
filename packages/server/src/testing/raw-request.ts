/** Test support: hand-built AWS RPC requests (for CBOR, malformed input, headers the SDKs never send). */
import http from 'node:http';

export interface RawResponse {
  readonly statusCode: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A syntactically complete (not verified) SigV4 Authorization header. */
export const fakeAuthorization =
  'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/kinesis/aws4_request, ' +
  'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef';

export interface RawRequest {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
}

/** Sends one HTTP/1.1 request and collects the whole response (bounded by timeoutMs). */
export function rawRequest(url: string, request: RawRequest, timeoutMs = 30_000): Promise<RawResponse> {
  const target = new URL(request.path ?? '/', url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      target,
      { method: request.method ?? 'POST', headers: request.headers ?? {}, timeout: timeoutMs, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no response within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Headers of a well-formed Kinesis call. */
export function kinesisHeaders(operation: string, contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'X-Amz-Target': `Kinesis_20131202.${operation}`,
    'X-Amz-Date': '20260101T000000Z',
    Authorization: fakeAuthorization,
  };
}
