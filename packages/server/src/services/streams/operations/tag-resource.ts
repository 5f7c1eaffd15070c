import type { Operation } from '../context.js';
import { findResourceStream } from '../resource-arn.js';
import { checkTags } from '../tags.js';

export const tagResource: Operation = async (context, input) => {
  const stream = findResourceStream(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const tags = input.Tags as Record<string, string>;
  checkTags(context, stream.name, tags, stream.tags);
  stream.tags = { ...stream.tags, ...tags };
  await context.registry.save(stream);
  return {};
};
