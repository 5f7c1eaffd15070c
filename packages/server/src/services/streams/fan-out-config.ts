/**
 * Enhanced fan-out limits and timings, each with its unit and its source. The timings are
 * configurable (tests shorten them); the limits are AWS's.
 */
import assert from 'node:assert/strict';

export interface EnhancedFanOutConfig {
  /** How long a registered consumer stays CREATING (AWS takes seconds; tests use 0). */
  readonly registerConsumerMs: number;
  /** How long a deregistered consumer stays DELETING. */
  readonly deregisterConsumerMs: number;
  /** How long one SubscribeToShard subscription lasts before it ends cleanly. */
  readonly subscriptionLifetimeMs: number;
  /** With no records flowing, an empty event (with its ContinuationSequenceNumber) this often. */
  readonly subscriptionHeartbeatMs: number;
}

export const fanOutDefaults: EnhancedFanOutConfig = {
  registerConsumerMs: 500,
  deregisterConsumerMs: 500,
  // AWS: "your consumer starts receiving events … for up to 5 minutes" (API_SubscribeToShard).
  subscriptionLifetimeMs: 5 * 60 * 1000,
  // AWS does not document its cadence; 5 s keeps checkpoints fresh and lets clients notice a dead
  // connection long before KCL's read timeout, at one small frame per idle shard.
  subscriptionHeartbeatMs: 5000,
};

/** AWS: "you can register up to 20 consumers per stream" (API_RegisterStreamConsumer). */
export const consumersPerStreamMax = 20;
/** AWS: "With On-demand Advantage streams, you can register up to 50 consumers per stream". */
export const consumersPerStreamOnDemandAdvantageMax = 50;
/**
 * AWS: "you cannot have more than 5 consumers in a CREATING status at the same time" — stated
 * next to the per-account rate of RegisterStreamConsumer, so counted per account here.
 */
export const consumersCreatingMax = 5;
/**
 * AWS: "You can make one call to SubscribeToShard per second per registered consumer per shard"
 * (API_SubscribeToShard); a faster call is LimitExceededException.
 */
export const subscribeCallIntervalMsMin = 1000;
/** AWS: a second SubscribeToShard "within 5 seconds of a successful call" is refused. */
export const subscriptionTakeoverMsMin = 5000;
/**
 * AWS: enhanced fan-out reads "at a rate of up to 2 MiB per second for every shard you subscribe
 * to" (API_RegisterStreamConsumer); enforced only with `--throughput-limits aws`.
 */
export const subscriptionBytesPerSecondMax = 2 * 1024 * 1024;
/**
 * The most record bytes (data + partition key) one SubscribeToShardEvent carries, and so what one
 * subscription holds in memory at a time (one record larger than this travels alone). AWS does
 * not document an event size; 1 MiB is half a second of the AWS rate.
 */
export const subscriptionEventBytesMax = 1024 * 1024;
/** GetRecords's record limit per call, applied to one event as well. */
export const subscriptionEventRecordsMax = 10_000;
/** ListStreamConsumers: "If you specify a value greater than 100, at most 100 results are returned." */
export const listStreamConsumersPageMax = 100;

assert.ok(consumersCreatingMax <= consumersPerStreamMax, 'the CREATING bound never exceeds the per-stream bound');
assert.ok(subscriptionEventBytesMax <= subscriptionBytesPerSecondMax, 'one event fits one second of the AWS rate');

export function fanOutConfig(config: { readonly enhancedFanOut?: EnhancedFanOutConfig }): EnhancedFanOutConfig {
  return config.enhancedFanOut ?? fanOutDefaults;
}
