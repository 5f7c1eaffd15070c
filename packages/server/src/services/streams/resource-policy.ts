/**
 * Resource policies, kept as the caller's JSON text under `policy/<resource ARN>` in the metadata
 * store. With --credentials they are enforced too (auth/authorize.ts, via authorization.ts).
 */
import type { MetaStore } from '../../storage/ports.js';
import { resourcePolicyKeyPrefix } from './state.js';

/** What GetResourcePolicy answers for a resource without a policy: an empty JSON object. */
export const emptyResourcePolicy = '{}';

export function resourcePolicyKey(resourceArn: string): string {
  return resourcePolicyKeyPrefix + resourceArn;
}

/** True when `policy` parses as a JSON object (not an array, string, number or null). */
export function isJsonObject(policy: string): boolean {
  try {
    const parsed: unknown = JSON.parse(policy);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

/**
 * Removes the policy of a stream and those of its consumers (`<stream ARN>/consumer/…`), so that a
 * new stream of the same name, which has the same ARN, starts without one. Idempotent: a deletion
 * interrupted by a crash repeats it when the stream's DELETED transition completes at load.
 */
export async function removeResourcePolicies(meta: MetaStore, streamArn: string): Promise<void> {
  await meta.remove(resourcePolicyKey(streamArn));
  for (const { key } of meta.list<string>(`${resourcePolicyKey(streamArn)}/`)) await meta.remove(key);
}
