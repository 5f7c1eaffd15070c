import { consumerSummary, findAddressedConsumer } from '../consumer-lookup.js';
import type { Operation } from '../context.js';

export const describeStreamConsumer: Operation = async (context, input) => {
  const { stream, consumer } = findAddressedConsumer(context, input);
  return { ConsumerDescription: { ...consumerSummary(consumer), StreamARN: stream.arn } };
};
