/**
 * The authorization decision for one request, after IAM's evaluation logic for a single account
 * and for cross-account access (no SCPs, permission boundaries or session policies here):
 * - an explicit Deny in the identity policy or the resource policy denies;
 * - within the resource's account, an Allow in either policy allows;
 * - across accounts, both must allow: the caller's identity policy and the resource policy;
 * - otherwise the request is implicitly denied.
 * The AccessDeniedException names the policy type that decided, as AWS's messages do.
 */
import type { ServiceError } from '../protocol/service-error.js';
import { authErrors } from './auth-errors.js';
import { evaluatePolicy, type PolicyDocument, type Principal } from './policy.js';

export interface AuthorizationQuestion {
  readonly principal: Principal;
  readonly identityPolicy: PolicyDocument;
  /** `kinesis:PutRecord` */
  readonly action: string;
  /** The resource ARN the operation acts on, or `*`. */
  readonly resource: string;
  /** The policy attached to the resource, when there is one. */
  readonly resourcePolicy: PolicyDocument | undefined;
  /** The account that owns resources named `*` (ListStreams, DescribeLimits, …). */
  readonly serverAccountId: string;
}

/** The account an ARN belongs to (its fifth field), or undefined for `*`. */
export function arnAccount(arn: string): string | undefined {
  const fields = arn.split(':');
  return fields.length >= 6 && fields[0] === 'arn' ? fields[4] : undefined;
}

/** Undefined when the request is allowed; otherwise AWS's AccessDeniedException. */
export function authorize(question: AuthorizationQuestion): ServiceError | undefined {
  const request = { action: question.action, resource: question.resource, principal: question.principal };
  const identity = evaluatePolicy(question.identityPolicy, request);
  const resource = question.resourcePolicy ? evaluatePolicy(question.resourcePolicy, request) : 'none';
  const deny = (reason: Parameters<typeof authErrors.accessDenied>[3]): ServiceError =>
    authErrors.accessDenied(question.principal.arn, question.action, question.resource, reason);

  if (identity === 'deny') return deny('identity-deny');
  if (resource === 'deny') return deny('resource-deny');
  const owner = arnAccount(question.resource) ?? question.serverAccountId;
  if (owner === question.principal.accountId) {
    return identity === 'allow' || resource === 'allow' ? undefined : deny('no-identity-allow');
  }
  if (identity !== 'allow') return deny('no-identity-allow');
  return resource === 'allow' ? undefined : deny('no-resource-allow');
}
