/**
 * The Data Streams service as the front door sees it: a target prefix, the API model the input
 * is checked against, and the operation table.
 */
import { randomBytes } from 'node:crypto';
import type { RpcService } from '../../protocol/rpc-service.js';
import type { LogStore, MetaStore } from '../../storage/ports.js';
import type { StreamsConfig, StreamsContext } from './context.js';
import { kinesisModel } from './model.generated.js';
import { streamsOperations } from './operations/index.js';
import { StreamRegistry } from './registry.js';
import { iteratorKeyKey } from './state.js';

export interface StreamsService extends RpcService {
  readonly context: StreamsContext;
  close(): void;
}

export async function createStreamsService(options: {
  config: StreamsConfig;
  meta: MetaStore;
  logs: LogStore;
  clock?: () => number;
}): Promise<StreamsService> {
  const clock = options.clock ?? Date.now;
  const registry = new StreamRegistry({ meta: options.meta, logs: options.logs, clock });
  await registry.load();
  const context: StreamsContext = {
    config: options.config,
    registry,
    logs: options.logs,
    meta: options.meta,
    clock,
    secretKey: await loadSecretKey(options.meta),
  };
  return {
    targetPrefix: kinesisModel.targetPrefix,
    model: kinesisModel,
    context,
    implements: (operation) => Object.hasOwn(streamsOperations, operation),
    invoke: (operation, input) => {
      const handler = streamsOperations[operation];
      if (!handler) throw new Error(`operation ${operation} is not implemented`);
      return handler(context, input);
    },
    close: () => registry.close(),
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
