import { commitmentActive, loadAccountSettings } from '../account-settings.js';
import { findStreamIn, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';

/** AWS: "By default, you cannot … scale to more than 10 GiBps for an on-demand stream." */
export const warmThroughputMiBpsMax = 10 * 1024;

export const updateStreamWarmThroughput: Operation = async (context, input) => {
  const { config } = context;
  const stream = findStreamIn(context, input, ['ACTIVE']);
  if (stream.mode !== 'ON_DEMAND') {
    throw streamErrors.warmThroughputNotOnDemand(stream.name, config.accountId, stream.mode);
  }
  const nowMs = context.clock();
  if (!commitmentActive(loadAccountSettings(context.meta), nowMs)) {
    throw streamErrors.warmThroughputCommitmentRequired(config.accountId);
  }
  const targetMiBps = input.WarmThroughputMiBps as number;
  if (targetMiBps > warmThroughputMiBpsMax) {
    throw streamErrors.warmThroughputTooHigh(targetMiBps, warmThroughputMiBpsMax);
  }
  // Until the update completes the stream runs at its previous warm throughput (none: 0).
  const currentMiBps = stream.warmThroughputMiBps ?? 0;
  stream.warmThroughputMiBps = targetMiBps;
  stream.status = 'UPDATING';
  stream.pending = { atMs: nowMs + config.updateStreamMs, to: 'ACTIVE' };
  await context.registry.save(stream);
  return {
    StreamARN: stream.arn,
    StreamName: stream.name,
    WarmThroughput: { TargetMiBps: targetMiBps, CurrentMiBps: currentMiBps },
  };
};
