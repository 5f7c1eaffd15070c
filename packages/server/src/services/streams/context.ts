/** What every Data Streams operation is handed: configuration, state and storage. */
import type { InvokeOptions, RpcOutput } from '../../protocol/rpc-service.js';
import type { LogStore, MetaStore } from '../../storage/ports.js';
import type { ConsumerRegistry } from './consumer-registry.js';
import { streamErrors } from './errors.js';
import type { EnhancedFanOutConfig } from './fan-out-config.js';
import type { OnDemandScalingConfig } from './on-demand-scaler.js';
import type { StreamRegistry } from './registry.js';
import type { ShardMapFence } from './shard-map-fence.js';
import type { ShardState, StreamState, StreamStatus } from './state.js';
import { isExpired, shardIdOf } from './state.js';
import type { StreamEncryption } from './stream-encryption.js';
import type { SubscriptionHub } from './subscription-hub.js';
import type { ThroughputLimiter, ThroughputLimitsMode } from './throughput-limits.js';
import type { WriteMeter } from './write-meter.js';

export interface StreamsConfig {
  readonly region: string;
  readonly accountId: string;
  /** How long CreateStream keeps a stream in CREATING (AWS takes seconds; tests use 0). */
  readonly createStreamMs: number;
  readonly deleteStreamMs: number;
  readonly updateStreamMs: number;
  /** The account's shard quota (AWS's default in the large regions is 20,000... 500 for new accounts). */
  readonly shardLimit: number;
  /** Consumer transition delays and subscription timing (absent: fanOutDefaults). */
  readonly enhancedFanOut?: EnhancedFanOutConfig;
  /** Opt-in AWS per-shard throughput limits and throttle injection (absent: off, none). */
  readonly throughput?: { readonly mode: ThroughputLimitsMode; readonly injectThrottleRate: number };
  /** How ON_DEMAND streams scale themselves (absent: onDemandScalingDefaults). */
  readonly onDemandScaling?: OnDemandScalingConfig;
  /** How often retention trims expired data (absent: retentionIntervalMsDefault; 0: never by itself). */
  readonly retentionIntervalMs?: number;
}

export interface StreamsContext {
  readonly config: StreamsConfig;
  readonly registry: StreamRegistry;
  readonly logs: LogStore;
  readonly meta: MetaStore;
  readonly clock: () => number;
  /** AES-256 key that seals shard iterators and pagination tokens. */
  readonly secretKey: Buffer;
  /** Encryption at rest: the key ring and the streams' data keys. */
  readonly encryption: StreamEncryption;
  /** Enhanced fan-out consumers (RegisterStreamConsumer …). */
  readonly consumers: ConsumerRegistry;
  /** The SubscribeToShard subscriptions in flight, one per consumer and shard. */
  readonly subscriptions: SubscriptionHub;
  /** Orders appends against shard-map changes (resharding). */
  readonly fence: ShardMapFence;
  /** Per-shard token buckets (`--throughput-limits aws`) and throttle injection. */
  readonly throughput: ThroughputLimiter;
  /** Write rates and hash-key samples of ON_DEMAND streams' shards, for the on-demand scaler. */
  readonly writeMeter: WriteMeter;
}

export type OperationInput = Record<string, unknown>;
/** An operation answers with a plain object, or (SubscribeToShard) with an event stream. */
export type Operation = (context: StreamsContext, input: OperationInput, options?: InvokeOptions) => Promise<RpcOutput>;

export function streamArn(config: StreamsConfig, name: string): string {
  return `arn:aws:kinesis:${config.region}:${config.accountId}:stream/${name}`;
}

const streamArnPattern = /^arn:aws[^:]*:kinesis:([^:]*):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

/** The stream name an input addresses by StreamName or StreamARN (both given must agree). */
export function addressedName(context: StreamsContext, input: OperationInput): { name: string; account: string } {
  const name = input.StreamName as string | undefined;
  const arn = input.StreamARN as string | undefined;
  const { config } = context;
  if (arn === undefined) {
    if (name === undefined) throw streamErrors.streamNameOrArnMissing();
    return { name, account: config.accountId };
  }
  const match = streamArnPattern.exec(arn);
  if (!match) throw streamErrors.invalidArgument(`Invalid StreamARN ${arn}.`);
  const [, region, account = config.accountId, arnName = ''] = match;
  if (name !== undefined && name !== arnName) throw streamErrors.streamNameArnMismatch(name, arn);
  if (region !== config.region || account !== config.accountId) {
    throw streamErrors.streamNotFound(arnName, account);
  }
  return { name: arnName, account };
}

/** Finds the addressed stream or throws ResourceNotFoundException. */
export function findStream(context: StreamsContext, input: OperationInput): StreamState {
  const { name, account } = addressedName(context, input);
  const stream = context.registry.find(name);
  if (!stream) throw streamErrors.streamNotFound(name, account);
  return stream;
}

/** Like findStream, but the stream must be in one of `statuses` (ResourceInUseException otherwise). */
export function findStreamIn(
  context: StreamsContext,
  input: OperationInput,
  statuses: readonly StreamStatus[] = ['ACTIVE'],
): StreamState {
  const stream = findStream(context, input);
  if (!statuses.includes(stream.status)) {
    throw streamErrors.streamNotActive(stream.name, context.config.accountId, stream.status);
  }
  return stream;
}

/** A stream that accepts data-plane calls (AWS answers ResourceNotFound while it is not ready). */
export function findWritableStream(context: StreamsContext, input: OperationInput): StreamState {
  const stream = findStream(context, input);
  if (stream.status !== 'ACTIVE' && stream.status !== 'UPDATING') {
    throw streamErrors.streamNotFound(stream.name, context.config.accountId);
  }
  return stream;
}

/** The largest shard index AWS resolves (a Java int). */
const shardIndexMax = 2 ** 31 - 1;

/**
 * AWS reads a ShardId loosely: whatever follows the first '-' (or the whole text when there is
 * none) must be decimal digits, so `shardId-000000000001`, `shard-1`, `x-01` and `1` all name shard 1
 * (kinesalite's recordings of GetShardIterator). Returns undefined when AWS could not resolve it.
 */
export function resolveShardIndex(shardId: string): number | undefined {
  const digits = shardId.split('-')[1] || shardId;
  if (!/^\d+$/.test(digits)) return undefined;
  const index = Number(digits);
  return index <= shardIndexMax ? index : undefined;
}

/**
 * The shard a data-plane call addresses by stream and ShardId, with AWS's answers: an unresolvable
 * ShardId is "Could not find shard …"; a missing stream, a stream that is not readable yet (or
 * any more) and a missing shard are all "Shard shardId-… in stream … does not exist".
 */
export function findReadableShard(
  context: StreamsContext,
  input: OperationInput,
  shardIdText: string,
): { stream: StreamState; shard: ShardState } {
  const { name, account } = addressedName(context, input);
  const index = resolveShardIndex(shardIdText);
  if (index === undefined) throw streamErrors.shardUnresolvable(shardIdText, name, account);
  const stream = context.registry.find(name);
  const readable = stream?.status === 'ACTIVE' || stream?.status === 'UPDATING';
  // An expired shard (a closed shard whose data all expired) no longer exists, as on AWS.
  const shard = readable
    ? stream.shards.find((candidate) => candidate.index === index && !isExpired(candidate))
    : undefined;
  if (!stream || !shard) throw streamErrors.shardNotFound(shardIdOf(index), name, account);
  return { stream, shard };
}

/** Shards counted against the account quota: the open shards of every stream. */
export function openShardCount(context: StreamsContext): number {
  let count = 0;
  for (const stream of context.registry.all()) {
    count += stream.shards.filter((shard) => shard.endingSequenceNumber === undefined).length;
  }
  return count;
}
