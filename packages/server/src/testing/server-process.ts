/**
 * Test support: runs a real Tributary server as a child process (the same `tributary serve` users
 * run) on 127.0.0.1 with a free port, and gives tests its URL and lifecycle controls.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');
/** A server that has not printed its address by then has failed to start. */
export const serverStartMsMax = 20_000;

export interface ServerProcess {
  readonly url: string;
  /** The server's process id (tests read its /proc/<pid>/status). */
  readonly pid: number;
  readonly dataDir: string;
  readonly output: () => string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a new server process on the same data directory (after kill). */
  restart(): Promise<ServerProcess>;
  /** Kills the server (SIGTERM) and removes its data directory. */
  stop(): Promise<void>;
}

export interface ServerProcessOptions {
  /** Extra `serve` flags. Defaults give instant state transitions. */
  args?: string[];
  dataDir?: string;
  inMemory?: boolean;
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'tributary-test-'));
  const args = [
    cliPath,
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data-dir',
    dataDir,
    '--create-stream-ms',
    '0',
    '--delete-stream-ms',
    '0',
    '--update-stream-ms',
    '0',
    '--register-consumer-ms',
    '0',
    '--deregister-consumer-ms',
    '0',
    ...(options.inMemory ? ['--in-memory'] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${serverStartMsMax} ms:\n${output}`));
    }, serverStartMsMax);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  return handle(child, url, dataDir, () => output, options);
}

function handle(
  child: ChildProcess,
  url: string,
  dataDir: string,
  output: () => string,
  options: ServerProcessOptions,
): ServerProcess {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return {
    url,
    pid: child.pid ?? 0,
    dataDir,
    output,
    kill,
    restart: () => startServerProcess({ ...options, dataDir }),
    stop: async () => {
      await kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
