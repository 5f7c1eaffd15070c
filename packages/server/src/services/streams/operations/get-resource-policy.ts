import type { Operation } from '../context.js';
import { findResourceStream } from '../resource-arn.js';
import { emptyResourcePolicy, resourcePolicyKey } from '../resource-policy.js';

export const getResourcePolicy: Operation = async (context, input) => {
  const stream = findResourceStream(context, input.ResourceARN as string);
  const stored = context.meta.get<string>(resourcePolicyKey(stream.arn));
  return { Policy: stored?.value ?? emptyResourcePolicy };
};
