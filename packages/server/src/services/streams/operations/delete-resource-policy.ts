import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { findResource } from '../resource-arn.js';
import { resourcePolicyKey } from '../resource-policy.js';

export const deleteResourcePolicy: Operation = async (context, input) => {
  const resourceArn = input.ResourceARN as string;
  const resource = findResource(context, resourceArn, ['ACTIVE', 'UPDATING']);
  const key = resourcePolicyKey(resource.arn);
  if (context.meta.get<string>(key) === undefined) throw streamErrors.resourcePolicyNotFound(resourceArn);
  await context.meta.remove(key);
  return {};
};
