/**
 * Which PutRecords failures are worth retrying, and how long to wait before the next attempt.
 */

export interface RetryOptions {
  /** The first retry waits up to this long. */
  readonly baseMs?: number;
  /** No wait exceeds this. */
  readonly capMs?: number;
  /** Attempts per user record, the first included; then its put() rejects. */
  readonly maxAttempts?: number;
}

export interface RetryPolicy {
  readonly baseMs: number;
  readonly capMs: number;
  readonly maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseMs: 100, capMs: 5_000, maxAttempts: 20 };

/**
 * "Full jitter" exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniform wait in [0, min(cap, base * 2^(attempt-1))). `attempt` counts failures so far (1 = first).
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceilingMs = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceilingMs);
}

/** Per-record ErrorCodes of PutRecords meaning "throttled, try later". */
const throttleCodes: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'KMSThrottlingException',
  'ThrottlingException',
  'LimitExceededException',
]);

/**
 * Per-record codes that will fail again however often they are retried: the stream's KMS key is
 * unusable (PutRecords documents these for encrypted streams).
 */
const permanentRecordCodes: ReadonlySet<string> = new Set([
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSAccessDeniedException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'AccessDeniedException',
  'ValidationException',
  'InvalidArgumentException',
  'ResourceNotFoundException',
]);

export type FailureKind = 'throttle' | 'transient' | 'permanent';

/** A per-record ErrorCode: throttled, transient (InternalFailure and anything unknown), or permanent. */
export function classifyRecordError(errorCode: string): FailureKind {
  if (throttleCodes.has(errorCode)) return 'throttle';
  if (permanentRecordCodes.has(errorCode)) return 'permanent';
  return 'transient';
}

/** Node network error codes that mean the request may not have reached the server or its answer was lost. */
const networkErrorCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ECONNABORTED',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_INVALID_SESSION',
]);
const networkErrorNames: ReadonlySet<string> = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);

interface ServiceErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** A whole-call PutRecords (or ListShards) error: throttling, 5xx and network errors are retried. */
export function classifyCallError(error: unknown): FailureKind {
  if (typeof error !== 'object' || error === null) return 'permanent';
  const shape = error as ServiceErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  if (throttleCodes.has(name)) return 'throttle';
  const status = shape.$metadata?.httpStatusCode;
  if (status === 429) return 'throttle';
  if (status !== undefined && status >= 500) return 'transient';
  if (name === 'InternalFailure' || name === 'ServiceUnavailable' || name === 'InternalFailureException')
    return 'transient';
  if (typeof shape.code === 'string' && networkErrorCodes.has(shape.code)) return 'transient';
  if (networkErrorNames.has(name)) return 'transient';
  // A server fault without status, or no answer at all (no $metadata status): the call may not
  // have reached the service.
  if (shape.$fault === 'server') return 'transient';
  if (status === undefined && shape.$fault === undefined) return 'transient';
  return 'permanent';
}
