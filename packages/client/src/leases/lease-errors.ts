/**
 * Errors of the lease stores. A condition that no longer holds is never an error (the store
 * methods answer `undefined` / `false`); these are the failures a consumer must react to.
 * AWS-style answers of the native API and of DynamoDB become a LeaseStoreError carrying the
 * wire `type` (e.g. `ThrottlingException`) and status; a missing table is always a
 * LeaseTableNotFoundError, whichever store raised it.
 */
export class LeaseStoreError extends Error {
  /** The AWS error name (`__type` without its namespace), or `NetworkError` when no answer came. */
  readonly type: string;
  /** The HTTP status of the answer (0 when no answer came). */
  readonly statusCode: number;
  /** True when trying again later may succeed (server faults, throttling, network failures). */
  readonly retryable: boolean;

  constructor(
    type: string,
    message: string,
    options: { statusCode?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LeaseStoreError';
    this.type = type;
    this.statusCode = options.statusCode ?? 0;
    this.retryable = options.retryable ?? false;
  }
}

/** The lease table does not exist (call `ensureTable()` first, or it was deleted). */
export class LeaseTableNotFoundError extends LeaseStoreError {
  constructor(message: string, options: { statusCode?: number; cause?: unknown } = {}) {
    super('ResourceNotFoundException', message, { ...options, retryable: false });
    this.name = 'LeaseTableNotFoundError';
  }
}

const retryableTypes: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** The typed error for an AWS-style error answer. */
export function leaseStoreErrorOf(type: string, message: string, statusCode: number): LeaseStoreError {
  if (type === 'ResourceNotFoundException') return new LeaseTableNotFoundError(message, { statusCode });
  return new LeaseStoreError(type, message, { statusCode, retryable: statusCode >= 500 || retryableTypes.has(type) });
}
