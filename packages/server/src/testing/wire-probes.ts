/**
 * Test support for hostile-input tests: a raw TCP exchange (for what node:http refuses to send —
 * a body shorter than its Content-Length, a body after an early answer) and HTTP/2 calls with
 * prior knowledge. Every wait is bounded.
 */
import http2 from 'node:http2';
import net from 'node:net';

export interface SocketExchange {
  readonly socket: net.Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with everything received once the server closes the connection. */
  closed(): Promise<string>;
  /** The code of the socket error seen, if any (ECONNRESET: the server reset the connection). */
  errorCode(): string | undefined;
}

/** Opens a TCP connection to the server; the caller writes raw HTTP/1.1 bytes itself. */
export function openSocket(url: string, waitMsMax: number): SocketExchange {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  // The server may close while we still write (after a 413): that is an answer, not a failure.
  let errorCode: string | undefined;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    errorCode ??= error.code ?? error.message;
  });
  const closed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${waitMsMax} ms; received ${JSON.stringify(received)}`));
    }, waitMsMax);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
  return { socket, received: () => received, closed: () => closed, errorCode: () => errorCode };
}

/** An HTTP/1.1 request head; header names as given. */
export function requestHead(method: string, headers: Record<string, string>): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `${method} / HTTP/1.1\r\nHost: tributary\r\n${lines.join('')}\r\n`;
}

export interface Http2Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The RST_STREAM code the stream closed with (0 = NO_ERROR). */
  readonly rstCode: number | undefined;
}

/** One HTTP/2 request on `session`; resolves when the stream closes (answered or reset). */
export function http2Call(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body: Buffer | string,
  waitMsMax: number,
): Promise<Http2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/', ...headers });
    let status = 0;
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`HTTP/2 stream still open after ${waitMsMax} ms`));
    }, waitMsMax);
    stream.on('response', (received) => {
      status = Number(received[':status']);
      responseHeaders = received;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks), rstCode: stream.rstCode });
    });
    stream.end(body);
  });
}

/** Header names in lower case, as HTTP/2 requires. */
export function lowerCaseHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
