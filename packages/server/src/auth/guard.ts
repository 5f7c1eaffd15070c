/**
 * The front door's authentication and authorization steps, in one object:
 * - `authenticate` (after the target is known, before the input is checked): with `--auth off`
 *   a complete-looking signature is enough, as AWS's front end requires one; with `--auth sigv4`
 *   the signature is verified against the configured users (sigv4.ts).
 * - `authorize` (after the input is checked, before the operation runs): the caller's identity
 *   policy and the resource's policy decide (authorize.ts). With `--auth off` everything is allowed.
 * Refusals are logged through a rate-limited log (failure-log.ts).
 */
import type http from 'node:http';
import type http2 from 'node:http2';
import type { RpcInput, RpcService } from '../protocol/rpc-service.js';
import { ServiceError } from '../protocol/service-error.js';
import { authorize } from './authorize.js';
import type { CredentialStore, UserIdentity } from './credentials.js';
import type { FailureLog } from './failure-log.js';
import { type PolicyDocument, parsePolicy } from './policy.js';
import { readSignature, type SignedRequest } from './signature-parts.js';
import { verifySignature } from './sigv4.js';

export type Caller =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly user: UserIdentity; readonly remoteAddress: string };

type Request = http.IncomingMessage | http2.Http2ServerRequest;

export interface RequestGuard {
  /** The caller, or the AWS error that refuses the request. */
  authenticate(request: Request, body: Buffer, service: RpcService, operation: string): Caller | ServiceError;
  /** Throws AccessDeniedException when the caller may not run the operation on its resource. */
  authorize(caller: Caller, service: RpcService, operation: string, input: RpcInput): void;
}

export type GuardOptions =
  | { readonly mode: 'off' }
  | {
      readonly mode: 'sigv4';
      readonly credentials: CredentialStore;
      readonly region: string;
      /** The account that owns this server's resources. */
      readonly accountId: string;
      readonly clock: () => number;
      readonly failures: FailureLog;
    };

const anonymous: Caller = { kind: 'anonymous' };
/** Parsed resource policies by their text: bounded, cleared when full. */
const resourcePoliciesCachedMax = 1000;

export function signedRequestOf(request: Request, body: Buffer): SignedRequest {
  return {
    method: request.method ?? '',
    target: request.url ?? '/',
    headers: request.headers,
    rawHeaders: request.rawHeaders,
    body,
  };
}

function remoteAddressOf(request: Request): string {
  return request.socket?.remoteAddress ?? 'unknown';
}

export function createRequestGuard(options: GuardOptions): RequestGuard {
  if (options.mode === 'off') {
    return {
      authenticate: (request, body) => {
        const parts = readSignature(signedRequestOf(request, body));
        return parts instanceof ServiceError ? parts : anonymous;
      },
      authorize: () => {},
    };
  }
  const { credentials, failures } = options;
  const resourcePolicies = new Map<string, PolicyDocument>();
  const parsedResourcePolicy = (text: string | undefined): PolicyDocument | undefined => {
    if (text === undefined) return undefined;
    let document = resourcePolicies.get(text);
    if (document === undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      document = parsePolicy(parsed, 'resource', false);
      if (resourcePolicies.size >= resourcePoliciesCachedMax) resourcePolicies.clear();
      resourcePolicies.set(text, document);
    }
    return document;
  };

  return {
    authenticate: (request, body, service, operation) => {
      const signed = signedRequestOf(request, body);
      const parts = readSignature(signed);
      if (parts instanceof ServiceError) {
        failures.record({ remoteAddress: remoteAddressOf(request), operation, errorType: parts.type });
        return parts;
      }
      const result = verifySignature(signed, parts, {
        region: options.region,
        service: service.authorization?.signingName ?? service.targetPrefix,
        nowMs: options.clock(),
        lookup: (accessKeyId) => credentials.find(accessKeyId),
      });
      const user = result.accessKeyId === undefined ? undefined : credentials.find(result.accessKeyId);
      if (!result.ok) {
        failures.record({
          remoteAddress: remoteAddressOf(request),
          operation,
          errorType: result.error.type,
          ...(result.accessKeyId === undefined ? {} : { accessKeyId: result.accessKeyId }),
          ...(user === undefined ? {} : { userName: user.name }),
        });
        return result.error;
      }
      if (!user) throw new Error('a verified signature names a configured user');
      return { kind: 'user', user, remoteAddress: remoteAddressOf(request) };
    },
    authorize: (caller, service, operation, input) => {
      const rules = service.authorization;
      if (caller.kind !== 'user' || rules === undefined) return;
      const resource = rules.resourceArn(operation, input);
      const denied = authorize({
        principal: { arn: caller.user.arn, accountId: caller.user.accountId },
        identityPolicy: caller.user.policy,
        action: `${rules.actionPrefix}:${operation}`,
        resource,
        resourcePolicy: parsedResourcePolicy(rules.resourcePolicy(resource)),
        serverAccountId: options.accountId,
      });
      if (denied) {
        const { user, remoteAddress } = caller;
        failures.record({
          remoteAddress,
          operation,
          errorType: denied.type,
          accessKeyId: user.accessKeyId,
          userName: user.name,
        });
        throw denied;
      }
    },
  };
}
