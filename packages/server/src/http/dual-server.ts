/**
 * One port for HTTP/1.1 and cleartext HTTP/2 with prior knowledge (what @aws-sdk/client-kinesis
 * sends to an http:// endpoint): each new connection is routed by its first bytes — the 24-byte
 * HTTP/2 connection preface goes to the HTTP/2 server, anything else to the HTTP/1.1 server.
 * With TLS, ALPN chooses instead (h2 or http/1.1).
 */
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  type ConnectionLimits,
  connectionLimitDefaults,
  headerBytesMax,
  headerCountMax,
  http2HeaderPairsMax,
} from './request-limits.js';

export type RequestHandler = (
  request: http.IncomingMessage | http2.Http2ServerRequest,
  response: http.ServerResponse | http2.Http2ServerResponse,
) => void;

const http2Preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
/** A client that sends nothing for this long after connecting is dropped. */
export const prefaceWaitMsMax = 10_000;

export interface DualServer {
  readonly server: net.Server;
  /** Stops accepting, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export interface DualServerOptions {
  tls?: { cert: Buffer; key: Buffer };
  /** Idle keep-alive connections are closed after this long. */
  keepAliveTimeoutMs: number;
  /** Each HTTP/2 session accepts at most this many concurrent streams. */
  http2StreamsConcurrentMax: number;
  /** Connections, header and idle limits (request-limits.ts); its defaults when absent. */
  limits?: ConnectionLimits;
}

/** How often node:http looks for requests past headersTimeout or requestTimeout (its default is 30 s). */
const timeoutCheckIntervalMs = 1000;

export function createDualServer(handler: RequestHandler, options: DualServerOptions): DualServer {
  const limits = options.limits ?? connectionLimitDefaults;
  const settings = { maxConcurrentStreams: options.http2StreamsConcurrentMax, maxHeaderListSize: headerBytesMax };
  const http2Options = { settings, maxHeaderListPairs: http2HeaderPairsMax };
  const http1Options = {
    keepAliveTimeout: options.keepAliveTimeoutMs,
    maxHeaderSize: headerBytesMax,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(timeoutCheckIntervalMs, limits.headersTimeoutMs),
  };
  const http1 = http.createServer(http1Options, handler);
  http1.maxHeadersCount = headerCountMax;
  http1.timeout = limits.idleTimeoutMs;
  // node:http enforces headersTimeout and requestTimeout only from its 'listening' event on; this
  // server never listens (the connections are handed to it), so it is told it does.
  http1.emit('listening');
  const sessions = new Set<http2.ServerHttp2Session>();
  const track = (session: http2.ServerHttp2Session): void => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', () => session.destroy());
  };

  let server: net.Server;
  if (options.tls) {
    const secure = http2.createSecureServer(
      { cert: options.tls.cert, key: options.tls.key, allowHTTP1: true, ...http2Options },
      handler,
    );
    // With allowHTTP1 the secure server serves HTTP/1.1 itself and reads node:http's limits from
    // its own properties (set before it listens, which starts the timeout checks).
    Object.assign(secure, http1Options, { maxHeadersCount: headerCountMax });
    limitIdle(secure, limits.idleTimeoutMs);
    secure.on('session', track);
    secure.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy());
    server = secure;
  } else {
    const h2c = http2.createServer(http2Options, handler);
    limitIdle(h2c, limits.idleTimeoutMs);
    h2c.on('session', track);
    // noDelay: small frames (SubscribeToShard events, HTTP/2 control frames) go out at once rather
    // than waiting for the previous segment's ACK (Nagle); node:http sets it for its own sockets.
    server = net.createServer({ noDelay: true }, (socket) => routeConnection(socket, http1, h2c));
  }
  // Beyond this node closes new connections at once, before reading a byte.
  server.maxConnections = limits.connectionsMax;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return {
    server,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        http1.closeIdleConnections();
        for (const session of sessions) session.close();
        // Keep-alive HTTP/1.1 connections with no request in flight are closed now; the others
        // close after their response (closeIdleConnections marks them).
        http1.close();
        setImmediate(() => http1.closeIdleConnections());
        void sockets;
      }),
  };
}

/** Sessions and streams without traffic for idleMs are closed (a stalled upload holds no stream). */
function limitIdle(server: http2.Http2Server | http2.Http2SecureServer, idleMs: number): void {
  server.setTimeout(idleMs);
  server.on('stream', (stream: http2.ServerHttp2Stream) => {
    stream.setTimeout(idleMs, () => stream.close(http2.constants.NGHTTP2_CANCEL));
  });
}

function routeConnection(socket: net.Socket, http1: http.Server, h2c: http2.Http2Server): void {
  let received = Buffer.alloc(0);
  socket.setTimeout(prefaceWaitMsMax, () => socket.destroy());
  const onData = (chunk: Buffer): void => {
    received = Buffer.concat([received, chunk]);
    const compared = Math.min(received.length, http2Preface.length);
    const isPrefix = received.subarray(0, compared).equals(http2Preface.subarray(0, compared));
    if (isPrefix && received.length < http2Preface.length) return; // wait for the rest of it
    socket.removeListener('data', onData);
    socket.setTimeout(0);
    // Give the bytes back and hand the socket over synchronously, so no 'data' event is lost.
    // The HTTP/2 session drains the readable buffer and then reads from the handle natively; the
    // JS stream must stay paused for it (resuming it would steal bytes from the session).
    if (isPrefix) socket.pause();
    socket.unshift(received);
    (isPrefix ? h2c : http1).emit('connection', socket);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
}
