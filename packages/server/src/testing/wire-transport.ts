/**
 * Test support: sends hand-built requests over long-lived connections, the way SDKs do — HTTP/1.1
 * through a keep-alive agent and HTTP/2 with prior knowledge over one shared session — so that a
 * test can push thousands of requests through few connections. Every request is bounded by a
 * timeout: a server that stops answering fails the test instead of hanging it.
 */
import http from 'node:http';
import http2 from 'node:http2';

export type WireProtocol = 'http1' | 'http2';

export interface WireRequest {
  readonly protocol: WireProtocol;
  readonly method: string;
  /** The request target as sent (not normalised): `/`, `//`, `/?X-Amz-Algorithm=…`. */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export interface WireAnswer {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface WireTransport {
  send(request: WireRequest, timeoutMs: number): Promise<WireAnswer>;
  close(): Promise<void>;
}

export interface WireTransportOptions {
  /** HTTP/1.1 connections kept open at most (the agent queues requests beyond them). */
  readonly http1SocketsMax: number;
}

export function openWireTransport(url: string, options: WireTransportOptions): WireTransport {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.http1SocketsMax });
  let session: http2.ClientHttp2Session | undefined;
  const currentSession = (): http2.ClientHttp2Session => {
    if (session === undefined || session.closed || session.destroyed) {
      const opened = http2.connect(url);
      // A failed session fails the requests on it; the next request opens a new one.
      opened.on('error', () => opened.destroy());
      opened.on('close', () => {
        if (session === opened) session = undefined;
      });
      session = opened;
    }
    return session;
  };

  const sendHttp1 = (request: WireRequest, timeoutMs: number): Promise<WireAnswer> =>
    new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: request.method,
          path: request.path,
          // node:http sends a GET/HEAD/DELETE/OPTIONS body without framing it; say its length.
          headers: { 'content-length': String(request.body.length), ...request.headers },
          agent,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error(`no HTTP/1.1 answer within ${timeoutMs} ms`)));
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });

  const sendHttp2 = (request: WireRequest, timeoutMs: number): Promise<WireAnswer> =>
    new Promise((resolve, reject) => {
      // node:http2 ends GET/HEAD/DELETE streams at once unless told there is a body.
      const hasBody = request.body.length > 0;
      const stream = currentSession().request(
        { ':method': request.method, ':path': request.path, ...request.headers },
        { endStream: !hasBody },
      );
      const timer = setTimeout(() => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        reject(new Error(`no HTTP/2 answer within ${timeoutMs} ms`));
      }, timeoutMs);
      let statusCode = 0;
      let headers: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (received) => {
        statusCode = Number(received[':status']);
        headers = { ...received };
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve({ statusCode, headers, body: Buffer.concat(chunks) });
      };
      stream.on('end', () => settle());
      stream.on('error', (error) => settle(error));
      // A stream reset after its answer (RST_STREAM NO_ERROR) closes without 'end'.
      stream.on('close', () =>
        settle(statusCode === 0 ? new Error(`HTTP/2 stream closed (code ${stream.rstCode})`) : undefined),
      );
      if (hasBody) stream.end(request.body);
    });

  return {
    send: (request, timeoutMs) =>
      request.protocol === 'http1' ? sendHttp1(request, timeoutMs) : sendHttp2(request, timeoutMs),
    close: async () => {
      agent.destroy();
      const open = session;
      session = undefined;
      if (open && !open.destroyed) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            open.destroy();
            resolve();
          }, 5_000);
          open.close(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
