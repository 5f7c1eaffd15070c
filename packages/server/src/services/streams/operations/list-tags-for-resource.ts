import type { Operation } from '../context.js';
import { findResourceStream } from '../resource-arn.js';

/** Every tag of the resource (at most 50, so unpaged), sorted by key. */
export const listTagsForResource: Operation = async (context, input) => {
  const stream = findResourceStream(context, input.ResourceARN as string);
  const keys = Object.keys(stream.tags).sort();
  return { Tags: keys.map((key) => ({ Key: key, Value: stream.tags[key] })) };
};
