/**
 * An error that travels to the client as an AWS-shaped error body: `{"__type": name, "message": …}`
 * (JSON 1.1) or the same map in CBOR. `fault` says whose fault it is, as the AWS SDKs model it.
 */
export class ServiceError extends Error {
  readonly type: string;
  readonly statusCode: number;
  readonly fault: 'client' | 'server';
  /** AWS spells the message member `Message` for a few protocol errors; keep that detail. */
  readonly messageKey: 'message' | 'Message';

  constructor(
    type: string,
    message: string | undefined,
    options: { statusCode?: number; fault?: 'client' | 'server'; messageKey?: 'message' | 'Message' } = {},
  ) {
    super(message ?? type);
    this.type = type;
    this.name = type;
    this.statusCode = options.statusCode ?? 400;
    this.fault = options.fault ?? 'client';
    this.messageKey = options.messageKey ?? 'message';
    this.hasMessage = message !== undefined;
  }

  /** Some AWS errors carry only `__type` (e.g. an empty body's SerializationException). */
  readonly hasMessage: boolean;

  toBody(): Record<string, string> {
    const body: Record<string, string> = { __type: this.type };
    if (this.hasMessage) body[this.messageKey] = this.message;
    return body;
  }
}

export function serializationError(message?: string): ServiceError {
  return new ServiceError('SerializationException', message, { messageKey: 'Message' });
}

export function validationError(message: string): ServiceError {
  return new ServiceError('ValidationException', message);
}

export function internalFailure(): ServiceError {
  return new ServiceError('InternalFailure', undefined, { statusCode: 500, fault: 'server' });
}
