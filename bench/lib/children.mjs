/**
 * Every process the benchmark starts is registered here, so that it is killed however the run ends:
 * normally, on an error, or on Ctrl-C / SIGTERM. Temporary directories are removed the same way.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const running = new Set();
const temporaryDirectories = new Set();
/** A child that ignores SIGTERM this long is killed with SIGKILL. */
export const stopGraceMs = 10_000;

export function trackDirectory(directory) {
  temporaryDirectories.add(directory);
  return directory;
}

export function removeDirectory(directory) {
  rmSync(directory, { recursive: true, force: true });
  temporaryDirectories.delete(directory);
}

/**
 * Spawns a child with its output captured (the last 64 KiB, for error messages) and resolves once
 * `ready(output)` returns a truthy value, or rejects when the child exits first or `startMsMax`
 * passes.
 */
export function startChild(options) {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  const outputBytesMax = 64 * 1024;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const collect = (chunk) => {
    output = (output + chunk.toString('utf8')).slice(-outputBytesMax);
    options.onOutput?.(output);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const handle = {
    child,
    pid: child.pid,
    output: () => output,
    exited,
    /** SIGTERM, then SIGKILL after stopGraceMs; resolves with the exit status. */
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
  };
  let settled = false;
  return new Promise((resolvePromise, rejectPromise) => {
    const resolve = (value) => {
      settled = true;
      resolvePromise(value);
    };
    const reject = (error) => {
      settled = true;
      rejectPromise(error);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} did not start within ${options.startMsMax} ms:\n${output}`));
    }, options.startMsMax);
    const check = () => {
      const value = options.ready(output);
      if (value) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        resolve({ ...handle, readyValue: value });
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code ?? signal}) before it was ready:\n${output}`));
    });
    if (options.poll) {
      // Servers that print nothing when ready (kinesis-local at LOG_LEVEL=ERROR) are polled instead.
      const poll = async () => {
        while (!settled && running.has(child)) {
          const value = await options.poll().catch(() => null);
          if (value && !settled) {
            clearTimeout(timer);
            resolve({ ...handle, readyValue: value });
          }
          await new Promise((resolvePoll) => setTimeout(resolvePoll, 100));
        }
      };
      poll();
    }
  });
}

/** Kills every child still running and removes every temporary directory (synchronous: safe in 'exit'). */
export function killEverything() {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  running.clear();
  for (const directory of temporaryDirectories) {
    try {
      rmSync(directory, { recursive: true, force: true });
    } catch {
      // Best effort on the way out.
    }
  }
  temporaryDirectories.clear();
}

/** Installs the handlers that make sure nothing outlives the benchmark. */
export function cleanUpOnExit() {
  process.on('exit', killEverything);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal} received, stopping every server`);
      killEverything();
      process.exit(130);
    });
  }
}
