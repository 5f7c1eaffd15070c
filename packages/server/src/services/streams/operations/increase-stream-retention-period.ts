import { findStreamIn, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { checkRetentionHours } from '../retention.js';

export const increaseStreamRetentionPeriod: Operation = async (context, input) => {
  const stream = findStreamIn(context, input, ['ACTIVE']);
  const hours = input.RetentionPeriodHours as number;
  checkRetentionHours(hours);
  if (hours < stream.retentionHours) throw streamErrors.retentionNotIncrease(hours, stream.name, stream.retentionHours);
  stream.retentionHours = hours;
  await context.registry.save(stream);
  return {};
};
