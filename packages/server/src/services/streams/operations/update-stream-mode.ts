import { commitmentActive, loadAccountSettings } from '../account-settings.js';
import { findStreamIn, type Operation, type StreamsContext } from '../context.js';
import { streamErrors } from '../errors.js';
import { beginUpdate, callsWithinDay } from '../reshard-requests.js';
import type { StreamMode, StreamState } from '../state.js';
import { onDemandStreamCountLimit } from './describe-limits.js';
import { warmThroughputMiBpsMax } from './update-stream-warm-throughput.js';

/**
 * AWS: a stream's capacity mode can be switched twice in a rolling 24-hour period (Kinesis Data
 * Streams Developer Guide, "Choose the data stream capacity mode").
 */
export const streamModeUpdatesPerDayMax = 2;

/**
 * UpdateStreamMode switches PROVISIONED ⇄ ON_DEMAND when the update completes. The shards stay as
 * they are: an ON_DEMAND stream then scales itself (on-demand-scaler.ts), a PROVISIONED one keeps
 * the count it had until UpdateShardCount changes it.
 */
export const updateStreamMode: Operation = async (context, input) => {
  const stream = findStreamIn(context, input, ['ACTIVE']);
  const account = context.config.accountId;
  const mode = (input.StreamModeDetails as { StreamMode: StreamMode }).StreamMode;
  if (mode === stream.mode) throw streamErrors.streamModeUnchanged(stream.name, account, mode);
  const warmMiBps = input.WarmThroughputMiBps as number | undefined;
  if (warmMiBps !== undefined) checkWarmThroughput(context, mode, warmMiBps);
  const nowMs = context.clock();
  const calls = callsWithinDay(stream.streamModeUpdatesMs, nowMs);
  if (calls.length >= streamModeUpdatesPerDayMax) {
    throw streamErrors.tooManyStreamModeUpdates(stream.name, account, streamModeUpdatesPerDayMax);
  }
  if (mode === 'ON_DEMAND' && onDemandStreamCount(context, stream) >= onDemandStreamCountLimit) {
    throw streamErrors.onDemandStreamLimit(account, onDemandStreamCountLimit);
  }
  stream.streamModeUpdatesMs = [...calls, nowMs];
  if (warmMiBps !== undefined) stream.warmThroughputMiBps = warmMiBps;
  if (mode === 'PROVISIONED') delete stream.warmThroughputMiBps;
  await beginUpdate(context, stream, { streamMode: mode });
  return {};
};

/** Warm throughput belongs to ON_DEMAND streams, with the checks UpdateStreamWarmThroughput makes. */
function checkWarmThroughput(context: StreamsContext, mode: StreamMode, warmMiBps: number): void {
  if (mode !== 'ON_DEMAND') throw streamErrors.warmThroughputNeedsOnDemand();
  if (!commitmentActive(loadAccountSettings(context.meta), context.clock())) {
    throw streamErrors.warmThroughputCommitmentRequired(context.config.accountId);
  }
  if (warmMiBps > warmThroughputMiBpsMax) throw streamErrors.warmThroughputTooHigh(warmMiBps, warmThroughputMiBpsMax);
}

/** ON_DEMAND streams of the account, other than this one, counting those switching to ON_DEMAND. */
function onDemandStreamCount(context: StreamsContext, except: StreamState): number {
  return context.registry
    .all()
    .filter(
      (stream) => stream !== except && (stream.mode === 'ON_DEMAND' || stream.pending?.streamMode === 'ON_DEMAND'),
    ).length;
}
