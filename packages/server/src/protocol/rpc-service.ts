/** What the front door needs from a service that speaks an AWS RPC protocol (JSON 1.1 / CBOR). */
import type { ApiModel } from './model.js';

export type RpcInput = Record<string, unknown>;

export interface RpcService {
  /** The X-Amz-Target prefix, e.g. `Kinesis_20131202`. */
  readonly targetPrefix: string;
  readonly model: ApiModel;
  /** Operations of the model that are not implemented answer UnknownOperationException. */
  implements(operation: string): boolean;
  invoke(operation: string, input: RpcInput): Promise<Record<string, unknown>>;
}
