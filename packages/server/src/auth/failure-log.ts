/**
 * Logs refused requests (authentication and authorization failures) so that an operator sees a
 * brute-force attempt or a misconfigured client, without letting a flood of them fill the disk:
 * at most `linesPerWindowMax` lines per window, then one line saying how many were not logged.
 * Lines never hold secrets: no signature, no session token, and an access key id only when it is
 * a configured one (an unknown "key id" may be a secret pasted into the wrong field).
 */

export interface RefusedRequest {
  /** The client's address. */
  readonly remoteAddress: string;
  readonly operation: string;
  /** The AWS error answered. */
  readonly errorType: string;
  /** The configured user, when the key was known. */
  readonly userName?: string;
  readonly accessKeyId?: string;
}

export interface FailureLogOptions {
  readonly linesPerWindowMax: number;
  readonly windowMs: number;
  readonly write: (line: string) => void;
  readonly clock: () => number;
}

export const failureLogDefaults = {
  /** Enough to see a pattern; a flood is summarised. */
  linesPerWindowMax: 20,
  windowMs: 60_000,
} as const;

export interface FailureLog {
  record(refused: RefusedRequest): void;
  /** Writes the pending summary now and stops the timer (shutdown). */
  close(): void;
}

function describe(refused: RefusedRequest): string {
  const who =
    refused.userName !== undefined
      ? ` by user ${refused.userName} (access key ${refused.accessKeyId})`
      : refused.accessKeyId !== undefined
        ? ` with an unknown access key (${refused.accessKeyId.slice(0, 4)}…, ${refused.accessKeyId.length} characters)`
        : '';
  return `tributary: refused ${refused.operation} from ${refused.remoteAddress}${who}: ${refused.errorType}`;
}

export function createFailureLog(options: FailureLogOptions): FailureLog {
  let windowStartMs = Number.NEGATIVE_INFINITY;
  let written = 0;
  let suppressed = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = (): void => {
    timer = undefined;
    if (suppressed > 0) {
      options.write(`tributary: ${suppressed} more refused requests in ${options.windowMs / 1000} s were not logged`);
    }
    suppressed = 0;
  };

  return {
    record: (refused) => {
      const now = options.clock();
      if (now - windowStartMs >= options.windowMs) {
        if (timer !== undefined) clearTimeout(timer);
        flush();
        windowStartMs = now;
        written = 0;
      }
      if (written < options.linesPerWindowMax) {
        written++;
        options.write(describe(refused));
        return;
      }
      suppressed++;
      if (timer === undefined) {
        timer = setTimeout(flush, Math.max(0, windowStartMs + options.windowMs - now));
        timer.unref();
      }
    },
    close: () => {
      if (timer !== undefined) clearTimeout(timer);
      flush();
    },
  };
}
