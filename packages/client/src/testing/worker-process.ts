/**
 * Test support: a consumer worker in a child process (consumer-worker.ts), with the lines it
 * reported, each stamped with the time the test received it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig, WorkerLine } from './consumer-worker.js';

const workerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'consumer-worker.js');
/** A worker that does not exit this long after SIGTERM is killed (and the test fails on its exit code). */
const gracefulStopMsMax = 20_000;

export interface ReceivedLine {
  readonly receivedAtMs: number;
  readonly line: WorkerLine;
}

export class WorkerProcess {
  readonly lines: ReceivedLine[] = [];
  readonly workerId: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';

  constructor(config: WorkerConfig) {
    this.workerId = config.workerId;
    this.#child = spawn(process.execPath, [workerScript, JSON.stringify(config)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code, signal) => resolve({ code, signal })));
    const reader = createInterface({ input: this.#child.stdout as NodeJS.ReadableStream });
    reader.on('line', (text) => {
      if (text.trim() === '') return;
      this.lines.push({ receivedAtMs: Date.now(), line: JSON.parse(text) as WorkerLine });
    });
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
  }

  get stderr(): string {
    return this.#stderr;
  }

  get exited(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  /** Sends SIGKILL: the worker dies without releasing anything. */
  async kill(): Promise<void> {
    if (!this.exited) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Sends SIGTERM (graceful stop) and waits for the exit; returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.exited) return (await this.#exited).code;
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), gracefulStopMsMax);
    const { code } = await this.#exited;
    clearTimeout(timer);
    return code;
  }
}
