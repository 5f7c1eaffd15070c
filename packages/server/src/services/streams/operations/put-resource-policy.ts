import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { findResource } from '../resource-arn.js';
import { isJsonObject, resourcePolicyKey } from '../resource-policy.js';

export const putResourcePolicy: Operation = async (context, input) => {
  const resource = findResource(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const policy = input.Policy as string;
  if (!isJsonObject(policy)) throw streamErrors.resourcePolicyNotObject();
  // Kept byte for byte: GetResourcePolicy returns exactly what was put.
  await context.meta.put(resourcePolicyKey(resource.arn), policy);
  return {};
};
