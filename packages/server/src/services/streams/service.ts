/**
 * The Data Streams service as the front door sees it: a target prefix, the API model the input
 * is checked against, and the operation table; and the on-demand scaler, started and stopped
 * with the service.
 */
import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../kms/key-ring.js';
import type { RpcService } from '../../protocol/rpc-service.js';
import type { LogStore, MetaStore } from '../../storage/ports.js';
import { streamsAuthorization } from './authorization.js';
import { ConsumerRegistry } from './consumer-registry.js';
import type { StreamsConfig, StreamsContext } from './context.js';
import { kinesisModel } from './model.generated.js';
import { OnDemandScaler, onDemandScalingDefaults } from './on-demand-scaler.js';
import { streamsOperations } from './operations/index.js';
import { StreamRegistry } from './registry.js';
import { RetentionWorker, retentionIntervalMsDefault } from './retention-worker.js';
import { ShardMapFence } from './shard-map-fence.js';
import { iteratorKeyKey } from './state.js';
import { StreamEncryption } from './stream-encryption.js';
import { completeUpdate } from './stream-updates.js';
import { SubscriptionHub } from './subscription-hub.js';
import { ThroughputLimiter } from './throughput-limits.js';
import { WriteMeter } from './write-meter.js';

export interface StreamsService extends RpcService {
  readonly context: StreamsContext;
  readonly scaler: OnDemandScaler;
  readonly retention: RetentionWorker;
  /** Stops the background workers (waiting for a retention pass under way) and the timers. */
  close(): Promise<void>;
}

export async function createStreamsService(options: {
  config: StreamsConfig;
  meta: MetaStore;
  logs: LogStore;
  clock?: () => number;
  /** Random source of throttle injection (tests make it deterministic). */
  random?: () => number;
  /** The KMS stand-in (absent: an in-memory ring holding only `alias/aws/kinesis`). */
  keyRing?: KeyRing;
}): Promise<StreamsService> {
  const { config } = options;
  const clock = options.clock ?? Date.now;
  const scaling = config.onDemandScaling ?? onDemandScalingDefaults;
  // The registry's timers may complete an update as soon as load() schedules them, so the context
  // they need exists first.
  const registry = new StreamRegistry({
    meta: options.meta,
    logs: options.logs,
    clock,
    completeUpdate: (stream) => completeUpdate(context, stream),
  });
  const context: StreamsContext = {
    config,
    registry,
    consumers: new ConsumerRegistry({ meta: options.meta, streams: registry, clock }),
    subscriptions: new SubscriptionHub(clock),
    logs: options.logs,
    meta: options.meta,
    clock,
    secretKey: await loadSecretKey(options.meta),
    fence: new ShardMapFence(),
    throughput: new ThroughputLimiter({
      mode: config.throughput?.mode ?? 'off',
      injectThrottleRate: config.throughput?.injectThrottleRate ?? 0,
      clock,
      ...(options.random ? { random: options.random } : {}),
    }),
    writeMeter: new WriteMeter(scaling.windowMs, clock),
    encryption: new StreamEncryption(
      options.keyRing ?? KeyRing.open({ region: config.region, accountId: config.accountId, clock }),
      config.accountId,
    ),
  };
  await registry.load();
  // After the streams: consumers whose stream is gone are dropped, the others' counts reconciled.
  await context.consumers.load();
  const scaler = new OnDemandScaler(context, scaling);
  scaler.start();
  const retention = new RetentionWorker(context, config.retentionIntervalMs ?? retentionIntervalMsDefault);
  retention.start();
  return {
    targetPrefix: kinesisModel.targetPrefix,
    model: kinesisModel,
    context,
    scaler,
    retention,
    implements: (operation) => Object.hasOwn(streamsOperations, operation),
    authorization: streamsAuthorization(context),
    invoke: (operation, input, invokeOptions) => {
      const handler = streamsOperations[operation];
      if (!handler) throw new Error(`operation ${operation} is not implemented`);
      return handler(context, input, invokeOptions);
    },
    close: async () => {
      scaler.stop();
      registry.close();
      context.consumers.close();
      await retention.stop();
    },
  };
}

/** The key that seals iterators and tokens; made once per data directory and kept. */
async function loadSecretKey(meta: MetaStore): Promise<Buffer> {
  const existing = meta.get<string>(iteratorKeyKey);
  if (existing) return Buffer.from(existing.value, 'base64');
  const key = randomBytes(32);
  await meta.put(iteratorKeyKey, key.toString('base64'), null);
  return key;
}
