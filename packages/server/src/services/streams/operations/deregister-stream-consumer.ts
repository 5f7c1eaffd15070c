import { findAddressedConsumer } from '../consumer-lookup.js';
import { consumerEpochSeconds } from '../consumer-registry.js';
import type { Operation } from '../context.js';
import { streamErrors } from '../errors.js';
import { fanOutConfig } from '../fan-out-config.js';

export const deregisterStreamConsumer: Operation = async (context, input) => {
  const { stream, consumer } = findAddressedConsumer(context, input);
  if (consumer.status !== 'ACTIVE') {
    const account = context.config.accountId;
    throw streamErrors.consumerNotActive(consumer.name, consumerEpochSeconds(consumer), stream.name, account);
  }
  await context.consumers.deregister(consumer, fanOutConfig(context.config).deregisterConsumerMs);
  // Its subscriptions end now rather than at their next heartbeat.
  context.subscriptions.revoke(consumer.arn);
  return {};
};
