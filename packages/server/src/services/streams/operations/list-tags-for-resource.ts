import type { Operation } from '../context.js';
import { findResource, resourceTags } from '../resource-arn.js';

/** Every tag of the resource (at most 50, so unpaged), sorted by key. */
export const listTagsForResource: Operation = async (context, input) => {
  const tags = resourceTags(findResource(context, input.ResourceARN as string));
  const keys = Object.keys(tags).sort();
  return { Tags: keys.map((key) => ({ Key: key, Value: tags[key] })) };
};
