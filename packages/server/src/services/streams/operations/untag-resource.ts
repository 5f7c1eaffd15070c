import type { Operation } from '../context.js';
import { findResourceStream } from '../resource-arn.js';
import { checkTagCharacters } from '../tags.js';

export const untagResource: Operation = async (context, input) => {
  const stream = findResourceStream(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const keys = input.TagKeys as string[];
  // The same key checks as RemoveTagsFromStream, whose answers kinesalite recorded from AWS.
  checkTagCharacters(context, stream.name, keys, 'remove');
  const tags = { ...stream.tags };
  for (const key of keys) delete tags[key];
  stream.tags = tags;
  await context.registry.save(stream);
  return {};
};
