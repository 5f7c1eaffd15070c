/** Small timing helpers: an abortable sleep and capped exponential back-off. */

/** Resolves after `ms`, or at once (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Back-off after failures: doubles from `initialMs` up to `maxMs`, with ±25 % jitter so workers spread out. */
export class Backoff {
  #failures = 0;

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  get failures(): number {
    return this.#failures;
  }

  /** The next delay (and counts one more failure). */
  nextDelayMs(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.#failures, 20));
    this.#failures++;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  reset(): void {
    this.#failures = 0;
  }
}

/** The error's `name` (AWS SDK errors carry the wire `__type` there). */
export function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

/** Whether the error is the abort of a request we cancelled ourselves. */
export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || errorName(error) === 'AbortError';
}
