import { findStream, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';

export const deleteStream: Operation = async (context, input) => {
  const stream = findStream(context, input);
  if (stream.status === 'DELETING') return {};
  if (context.consumers.ofStream(stream).length > 0) {
    if (input.EnforceConsumerDeletion !== true) {
      throw streamErrors.streamHasConsumers(stream.name, context.config.accountId);
    }
    // The consumers go first: a crash in between leaves an ACTIVE stream without them, never a
    // deleted stream whose consumers linger (and those are dropped at load anyway).
    await context.consumers.removeAll(stream);
  }
  stream.status = 'DELETING';
  stream.pending = { atMs: context.clock() + context.config.deleteStreamMs, to: 'DELETED' };
  await context.registry.save(stream);
  return {};
};
