import type { Operation } from '../context.js';
import { findResource, resourceTags, saveResourceTags } from '../resource-arn.js';
import { checkTagCharacters } from '../tags.js';

export const untagResource: Operation = async (context, input) => {
  const resource = findResource(context, input.ResourceARN as string, ['ACTIVE', 'UPDATING']);
  const keys = input.TagKeys as string[];
  // The same key checks as RemoveTagsFromStream, whose answers kinesalite recorded from AWS.
  checkTagCharacters(context, resource.stream.name, keys, 'remove');
  const tags = { ...resourceTags(resource) };
  for (const key of keys) delete tags[key];
  await saveResourceTags(context, resource, tags);
  return {};
};
