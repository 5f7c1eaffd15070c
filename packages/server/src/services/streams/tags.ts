/** Tag rules shared by CreateStream, AddTagsToStream and TagResource. */
import type { StreamsContext } from './context.js';
import { streamErrors } from './errors.js';

/** AWS allows 50 tags per stream. */
export const tagsPerStreamMax = 50;

// Letters, digits, white space and _ . / = + - % @ (AWS's wording). '%' passes this first check
// but is then refused with a second message, as kinesalite recorded AWS doing.
const tagCharacters = /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]*$/u;

/** AWS's two character checks, in its order; `action` words the second one ("add", "remove"). */
export function checkTagCharacters(
  context: StreamsContext,
  streamName: string,
  texts: readonly string[],
  action: 'add' | 'remove',
): void {
  if (texts.some((text) => !tagCharacters.test(text))) throw streamErrors.tagCharacters();
  if (texts.some((text) => text.includes('%'))) {
    throw streamErrors.tagPercent(action, streamName, context.config.accountId);
  }
}

export function checkTags(
  context: StreamsContext,
  streamName: string,
  added: Record<string, string>,
  existing: Record<string, string>,
): void {
  checkTagCharacters(context, streamName, [...Object.keys(added), ...Object.values(added)], 'add');
  const keys = new Set([...Object.keys(existing), ...Object.keys(added)]);
  if (keys.size > tagsPerStreamMax) {
    throw streamErrors.tooManyTags(streamName, context.config.accountId, tagsPerStreamMax);
  }
}
