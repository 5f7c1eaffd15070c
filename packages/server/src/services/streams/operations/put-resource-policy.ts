import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { findResourceStream } from '../resource-arn.js';
import { isJsonObject, resourcePolicyKey } from '../resource-policy.js';

export const putResourcePolicy: Operation = async (context, input) => {
  const stream = findResourceStream(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const policy = input.Policy as string;
  if (!isJsonObject(policy)) throw streamErrors.resourcePolicyNotObject();
  // Kept byte for byte: GetResourcePolicy returns exactly what was put.
  await context.meta.put(resourcePolicyKey(stream.arn), policy);
  return {};
};
