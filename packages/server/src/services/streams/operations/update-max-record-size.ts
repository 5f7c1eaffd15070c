import { findStreamIn, type Operation } from '../context.js';

/** The model bounds MaxRecordSizeInKiB to 1024–10240, so only the stream's state is checked here. */
export const updateMaxRecordSize: Operation = async (context, input) => {
  const stream = findStreamIn(context, input, ['ACTIVE']);
  stream.maxRecordSizeKiB = input.MaxRecordSizeInKiB as number;
  await context.registry.save(stream);
  return {};
};
