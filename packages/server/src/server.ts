/** Assembles a running Tributary server from a configuration. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServerConfig } from './config.js';
import { createDualServer } from './http/dual-server.js';
import { createFrontDoor } from './http/front-door.js';
import { createStreamsService } from './services/streams/service.js';
import { createStreamsStorage } from './storage/embedded/open.js';

/** A 10 MiB PutRecords in base64 JSON is about 13.4 MiB. */
export const requestBodyBytesMax = 16 * 1024 * 1024;
export const keepAliveTimeoutMs = 60_000;
export const http2StreamsConcurrentMax = 1000;

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const storage = await createStreamsStorage({
    inMemory: config.inMemory,
    dataDir: path.resolve(config.dataDir),
    durability: config.durability,
  });
  const streams = await createStreamsService({
    config: {
      region: config.region,
      accountId: config.accountId,
      createStreamMs: config.createStreamMs,
      deleteStreamMs: config.deleteStreamMs,
      updateStreamMs: config.updateStreamMs,
      shardLimit: config.shardLimit,
    },
    meta: storage.meta,
    logs: storage.logs,
  });
  for (const initial of config.streams) {
    if (!streams.context.registry.find(initial.name)) {
      await streams.invoke('CreateStream', { StreamName: initial.name, ShardCount: initial.shardCount });
    }
  }

  const frontDoor = createFrontDoor({
    services: [streams],
    requestBodyBytesMax,
    routes: (request, response) => {
      if (request.method === 'GET' && (request.url === '/health' || request.url === '/health/')) {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ status: 'ok' }));
        return true;
      }
      return false;
    },
  });
  const tls =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
      : undefined;
  const dual = createDualServer(frontDoor.handler, {
    ...(tls ? { tls } : {}),
    keepAliveTimeoutMs,
    http2StreamsConcurrentMax,
  });
  await new Promise<void>((resolve, reject) => {
    dual.server.once('error', reject);
    dual.server.listen(config.port, config.host, () => resolve());
  });
  const address = dual.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    close: async () => {
      const closed = dual.close();
      await frontDoor.drained();
      await closed;
      streams.close();
      await storage.close();
    },
  };
}
