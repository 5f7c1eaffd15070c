/**
 * Redis Streams for the fan-out comparison: Debian's redis-server (installed with apt-get only when
 * missing), started on 127.0.0.1 with an append-only file synced on every write
 * (`--appendonly yes --appendfsync always`, the durability Tributary's fsync mode gives), and a
 * tiny RESP2 client over node:net that pipelines commands and parses replies incrementally.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { removeDirectory, startChild, trackDirectory } from './children.mjs';
import { freePort } from './ports.mjs';

const startMsMax = 30_000;
/** apt-get update + install of one package; a machine that needs longer has no business benchmarking. */
const installMsMax = 300_000;

function redisServerPath() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** The redis-server binary, installing Debian's package first if it is not there. */
export function ensureRedisServer(log) {
  const existing = redisServerPath();
  if (existing) return existing;
  log('redis-server is missing: installing Debian’s redis-server with apt-get');
  const options = {
    // apt's progress goes to stderr with the bench's log, so stdout keeps only the report.
    stdio: ['ignore', process.stderr, process.stderr],
    timeout: installMsMax,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  };
  execFileSync('apt-get', ['update'], options);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], options);
  const installed = redisServerPath();
  if (!installed) throw new Error('apt-get installed redis-server, but it is not on the PATH');
  return installed;
}

export function redisVersion(binary) {
  const answer = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return /v=(\S+)/.exec(answer.stdout ?? '')?.[1] ?? 'unknown';
}

/** Starts redis-server on a free loopback port with an fsync-always AOF in a temporary directory. */
export async function startRedis(binary) {
  const port = await freePort();
  const directory = trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'redis-bench-')));
  const handle = await startChild({
    name: 'redis-server',
    command: binary,
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      directory,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--daemonize',
      'no',
    ],
    startMsMax,
    ready: (output) => /Ready to accept connections/.test(output),
  });
  return {
    ...handle,
    port,
    async stop(signal) {
      const status = await handle.stop(signal);
      removeDirectory(directory);
      return status;
    },
  };
}

function encodeCommand(args) {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) {
    const bytes = Buffer.isBuffer(arg) ? arg : Buffer.from(String(arg));
    parts.push(`$${bytes.length}\r\n`, bytes, '\r\n');
  }
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

/** Parses one RESP2 reply at `offset`: { value, next } or undefined when the buffer ends first. */
function parseReply(buffer, offset) {
  if (offset >= buffer.length) return undefined;
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: after };
    case '-':
      return { value: new Error(line), next: after };
    case ':':
      return { value: Number(line), next: after };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      return { value: buffer.subarray(after, after + length), next: after + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items = [];
      let next = after;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected RESP type byte ${buffer[offset]}`);
  }
}

export class RespClient {
  #socket;
  #pending = [];
  #buffer = Buffer.alloc(0);

  static connect(port) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true }, () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => this.#receive(chunk));
    socket.on('error', (error) => this.#failAll(error));
    socket.on('close', () => this.#failAll(new Error('redis connection closed')));
  }

  /** Sends one command; resolves with its reply (an Error reply rejects). */
  command(...args) {
    return new Promise((resolve, reject) => {
      this.#pending.push({ resolve, reject });
      this.#socket.write(encodeCommand(args));
    });
  }

  close() {
    this.#socket.destroy();
  }

  #receive(chunk) {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    for (;;) {
      const reply = parseReply(this.#buffer, offset);
      if (!reply) break;
      offset = reply.next;
      const waiter = this.#pending.shift();
      if (reply.value instanceof Error) waiter?.reject(reply.value);
      else waiter?.resolve(reply.value);
    }
    this.#buffer = this.#buffer.subarray(offset);
  }

  #failAll(error) {
    for (const waiter of this.#pending.splice(0)) waiter.reject(error);
  }
}
