import type { Operation } from '../context.js';
import { findResource } from '../resource-arn.js';
import { emptyResourcePolicy, resourcePolicyKey } from '../resource-policy.js';

export const getResourcePolicy: Operation = async (context, input) => {
  const resource = findResource(context, input.ResourceARN as string);
  const stored = context.meta.get<string>(resourcePolicyKey(resource.arn));
  return { Policy: stored?.value ?? emptyResourcePolicy };
};
