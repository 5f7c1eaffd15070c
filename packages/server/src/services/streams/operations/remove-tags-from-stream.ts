import { findStreamIn, type Operation } from '../context.js';
import { checkTagCharacters } from '../tags.js';

export const removeTagsFromStream: Operation = async (context, input) => {
  const stream = findStreamIn(context, input, ['ACTIVE', 'UPDATING']);
  const keys = input.TagKeys as string[];
  checkTagCharacters(context, stream.name, keys, 'remove');
  const tags = { ...stream.tags };
  for (const key of keys) delete tags[key];
  stream.tags = tags;
  await context.registry.save(stream);
  return {};
};
