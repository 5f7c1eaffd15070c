import { commitmentActive, loadAccountSettings } from '../account-settings.js';
import { consumerSummary } from '../consumer-lookup.js';
import { findStreamIn, type Operation, type StreamsContext } from '../context.js';
import { streamErrors } from '../errors.js';
import {
  consumersCreatingMax,
  consumersPerStreamMax,
  consumersPerStreamOnDemandAdvantageMax,
  fanOutConfig,
} from '../fan-out-config.js';
import type { StreamState } from '../state.js';
import { checkTags } from '../tags.js';

/** On-demand Advantage (an ON_DEMAND stream while the account's commitment is on) allows 50. */
function consumerLimitOf(context: StreamsContext, stream: StreamState): number {
  const advantage = stream.mode === 'ON_DEMAND' && commitmentActive(loadAccountSettings(context.meta), context.clock());
  return advantage ? consumersPerStreamOnDemandAdvantageMax : consumersPerStreamMax;
}

export const registerStreamConsumer: Operation = async (context, input) => {
  const stream = findStreamIn(context, { StreamARN: input.StreamARN }, ['ACTIVE', 'UPDATING']);
  const name = input.ConsumerName as string;
  const tags = (input.Tags as Record<string, string> | undefined) ?? {};
  const account = context.config.accountId;
  checkTags(context, stream.name, tags, {});
  if (context.consumers.find(stream, name)) throw streamErrors.consumerExists(name, stream.name, account);
  const limit = consumerLimitOf(context, stream);
  if (context.consumers.ofStream(stream).length >= limit) throw streamErrors.consumerLimit(stream.name, account, limit);
  if (context.consumers.creatingCount() >= consumersCreatingMax) {
    throw streamErrors.consumersCreatingLimit(account, consumersCreatingMax);
  }
  const delayMs = fanOutConfig(context.config).registerConsumerMs;
  const consumer = await context.consumers.register(stream, name, tags, delayMs);
  return { Consumer: consumerSummary(consumer) };
};
