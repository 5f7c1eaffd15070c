import type { Operation } from '../context.js';
import { findResource, resourceTags, saveResourceTags } from '../resource-arn.js';
import { checkTags } from '../tags.js';

export const tagResource: Operation = async (context, input) => {
  const resource = findResource(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const tags = input.Tags as Record<string, string>;
  const existing = resourceTags(resource);
  // A consumer's tags follow the stream's rules (50 per resource, AWS's characters).
  checkTags(context, resource.stream.name, tags, existing);
  await saveResourceTags(context, resource, { ...existing, ...tags });
  return {};
};
