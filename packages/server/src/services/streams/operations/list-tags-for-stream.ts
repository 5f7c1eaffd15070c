import { findStream, type Operation } from '../context.js';

/** ListTagsForStream returns at most 50 tags per call (the model's Limit maximum), 50 by default. */
export const listTagsPageDefault = 50;

export const listTagsForStream: Operation = async (context, input) => {
  const stream = findStream(context, input);
  const limit = (input.Limit as number | undefined) ?? listTagsPageDefault;
  const after = input.ExclusiveStartTagKey as string | undefined;
  const keys = Object.keys(stream.tags)
    .sort()
    .filter((key) => after === undefined || key > after);
  const page = keys.slice(0, limit);
  return {
    Tags: page.map((key) => ({ Key: key, Value: stream.tags[key] })),
    HasMoreTags: keys.length > page.length,
  };
};
