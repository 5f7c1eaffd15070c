import { findStreamIn, type Operation } from '../context.js';
import { checkTags } from '../tags.js';

export const addTagsToStream: Operation = async (context, input) => {
  const stream = findStreamIn(context, input, ['ACTIVE', 'UPDATING']);
  const tags = input.Tags as Record<string, string>;
  checkTags(context, stream.name, tags, stream.tags);
  stream.tags = { ...stream.tags, ...tags };
  await context.registry.save(stream);
  return {};
};
