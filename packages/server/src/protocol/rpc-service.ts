/** What the front door needs from a service that speaks an AWS RPC protocol (JSON 1.1 / CBOR). */
import type { EventStreamOutput } from './event-stream.js';
import type { ApiModel } from './model.js';

export type RpcInput = Record<string, unknown>;

/** A plain output object, or an event stream for operations such as SubscribeToShard. */
export type RpcOutput = Record<string, unknown> | EventStreamOutput;

export interface InvokeOptions {
  /**
   * Aborts when the answer is no longer wanted: the client went away or the server is shutting
   * down. Long-lived answers (event streams) must end promptly once it fires.
   */
  readonly signal?: AbortSignal;
}

export interface RpcService {
  /** The X-Amz-Target prefix, e.g. `Kinesis_20131202`. */
  readonly targetPrefix: string;
  readonly model: ApiModel;
  /** Operations of the model that are not implemented answer UnknownOperationException. */
  implements(operation: string): boolean;
  invoke(operation: string, input: RpcInput, options?: InvokeOptions): Promise<RpcOutput>;
  /** How IAM authorizes the service's operations (see auth/); absent, only authentication applies. */
  readonly authorization?: RpcAuthorization;
}

export interface RpcAuthorization {
  /** IAM's service prefix: the action of operation X is `<prefix>:X`. */
  readonly actionPrefix: string;
  /** The service name clients put in the SigV4 credential scope. */
  readonly signingName: string;
  /** The ARN of the resource an operation acts on (`*` for account-wide ones), from its checked input. */
  resourceArn(operation: string, input: RpcInput): string;
  /** The resource policy attached to a resource (JSON text as stored), if any. */
  resourcePolicy(resourceArn: string): string | undefined;
}
