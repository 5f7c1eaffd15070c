import { ServiceError } from '../../../protocol/service-error.js';
import { findStream, type Operation } from '../context.js';

export const deleteStream: Operation = async (context, input) => {
  const stream = findStream(context, input);
  if (stream.status === 'DELETING') return {};
  if (stream.consumerCount > 0 && input.EnforceConsumerDeletion !== true) {
    throw new ServiceError(
      'ResourceInUseException',
      `Stream ${stream.name} under account ${context.config.accountId} has registered consumers. ` +
        'Deregister the consumers or set EnforceConsumerDeletion to delete the stream.',
    );
  }
  stream.status = 'DELETING';
  stream.pending = { atMs: context.clock() + context.config.deleteStreamMs, to: 'DELETED' };
  await context.registry.save(stream);
  return {};
};
