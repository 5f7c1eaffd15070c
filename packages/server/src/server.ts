/** Assembles a running Tributary server from a configuration. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type AuthSettings, resolveAuth } from './auth/auth-mode.js';
import { createFailureLog, failureLogDefaults } from './auth/failure-log.js';
import { createRequestGuard } from './auth/guard.js';
import { ConfigError, type ServerConfig } from './config.js';
import { createDualServer } from './http/dual-server.js';
import { createFrontDoor } from './http/front-door.js';
import { http2StreamsPerConnectionMax, requestBodyBytesMaxFor } from './http/request-limits.js';
import { selfSignedCertificate, type TlsMaterial } from './http/self-signed-certificate.js';
import { KeyRing } from './kms/key-ring.js';
import { createLeasesService } from './services/leases/service.js';
import { fanOutDefaults } from './services/streams/fan-out-config.js';
import { createStreamsService } from './services/streams/service.js';
import { createStreamsStorage } from './storage/embedded/open.js';

/** A 10 MiB PutRecords in base64 JSON is about 13.4 MiB. */
export const requestBodyBytesMax = 16 * 1024 * 1024;
export const keepAliveTimeoutMs = 60_000;
export const http2StreamsConcurrentMax = http2StreamsPerConnectionMax;

export interface RunningServer {
  readonly url: string;
  /** Who may call and how, for the start-up line: `auth sigv4, 3 users; tls self-signed (SHA-256 …)`. */
  readonly security: string;
  close(): Promise<void>;
}

interface ServedTls extends TlsMaterial {
  readonly selfSigned: boolean;
}

/** The certificate to serve: the operator's, or a self-signed one; undefined for plain HTTP. */
function serverTls(config: ServerConfig, dataDir: string): ServedTls | undefined {
  if (config.tls === 'self-signed') {
    if (config.tlsCert !== undefined || config.tlsKey !== undefined) {
      throw new ConfigError('--tls self-signed and --tls-cert/--tls-key exclude each other');
    }
    return { ...selfSignedCertificate({ dataDir, inMemory: config.inMemory, host: config.host }), selfSigned: true };
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key go together');
  }
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const cert = readFileSync(config.tlsCert);
  const key = readFileSync(config.tlsKey);
  return { cert, key, certificatePath: config.tlsCert, fingerprint: '', selfSigned: false };
}

function securitySummary(auth: AuthSettings, tls: ServedTls | undefined): string {
  const users = auth.credentials?.users.length ?? 0;
  const who = auth.mode === 'sigv4' ? `auth sigv4, ${users} user${users === 1 ? '' : 's'}` : 'auth off';
  if (tls === undefined) return who;
  if (!tls.selfSigned) return `${who}; tls`;
  const where = tls.certificatePath === undefined ? '' : ` ${tls.certificatePath}`;
  return `${who}; tls self-signed${where} (SHA-256 ${tls.fingerprint})`;
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const dataDir = path.resolve(config.dataDir);
  // Security first: an unsafe or impossible setup stops the start before anything opens or binds.
  const auth = resolveAuth({
    host: config.host,
    auth: config.auth,
    credentials: config.credentials,
    accountId: config.accountId,
  });
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    throw new ConfigError('--headers-timeout-ms must not exceed --request-timeout-ms');
  }
  for (const warning of auth.warnings) console.warn(`tributary: warning: ${warning}`);
  const tls = serverTls(config, dataDir);
  const failures = createFailureLog({ ...failureLogDefaults, write: (line) => console.warn(line), clock: Date.now });
  // Signatures are judged by the real clock, as AWS's are (--clock-offset-ms shifts data time only).
  const guard = createRequestGuard(
    auth.mode === 'sigv4' && auth.credentials !== undefined
      ? {
          mode: 'sigv4',
          credentials: auth.credentials,
          region: config.region,
          accountId: config.accountId,
          clock: Date.now,
          failures,
        }
      : { mode: 'off' },
  );
  // One clock for the service and the logs, so that arrival times and retention agree.
  const clockOffsetMs = config.clockOffsetMs;
  const clock = clockOffsetMs === 0 ? Date.now : () => Date.now() + clockOffsetMs;
  // Read before any storage opens: a broken key ring stops the start with nothing to clean up.
  const keyRing = KeyRing.open({
    region: config.region,
    accountId: config.accountId,
    ...(config.inMemory ? {} : { file: path.join(dataDir, 'keyring.json') }),
    ...(config.kmsKeys === undefined ? {} : { configuredFile: config.kmsKeys }),
    clock,
  });
  const storage = await createStreamsStorage({
    inMemory: config.inMemory,
    dataDir,
    durability: config.durability,
    clock,
  });
  const streams = await createStreamsService({
    config: {
      region: config.region,
      accountId: config.accountId,
      createStreamMs: config.createStreamMs,
      deleteStreamMs: config.deleteStreamMs,
      updateStreamMs: config.updateStreamMs,
      shardLimit: config.shardLimit,
      enhancedFanOut: {
        ...fanOutDefaults,
        registerConsumerMs: config.registerConsumerMs,
        deregisterConsumerMs: config.deregisterConsumerMs,
        subscriptionLifetimeMs: config.subscriptionLifetimeMs,
      },
      throughput: { mode: config.throughputLimits, injectThrottleRate: config.injectThrottleRate },
      onDemandScaling: {
        splitRecordsPerSecond: config.onDemandSplitRecordsPerSecond,
        splitBytesPerSecond: config.onDemandSplitBytesPerSecond,
        windowMs: config.onDemandWindowMs,
        mergeQuietMs: config.onDemandMergeQuietMs,
        checkIntervalMs: config.onDemandCheckIntervalMs,
      },
      retentionIntervalMs: config.retentionIntervalMs,
    },
    meta: storage.meta,
    logs: storage.logs,
    clock,
    keyRing,
  });
  // The lease extension for consumer applications (docs/client/leases.md), in the same MetaStore.
  const leases = await createLeasesService({
    meta: storage.meta,
    region: config.region,
    accountId: config.accountId,
    clock,
  });
  for (const initial of config.streams) {
    if (!streams.context.registry.find(initial.name)) {
      await streams.invoke('CreateStream', { StreamName: initial.name, ShardCount: initial.shardCount });
    }
  }

  const frontDoor = createFrontDoor({
    services: [streams, leases],
    requestBodyBytesMax,
    // The same deadline node:http applies to HTTP/1.1 requests (dual-server.ts), for HTTP/2 too.
    requestBodyReceiveMsMax: config.requestTimeoutMs,
    requestBodyBytesMaxFor,
    guard,
    routes: (request, response) => {
      if (request.method === 'GET' && (request.url === '/health' || request.url === '/health/')) {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ status: 'ok' }));
        return true;
      }
      return false;
    },
  });
  const dual = createDualServer(frontDoor.handler, {
    ...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
    keepAliveTimeoutMs,
    http2StreamsConcurrentMax,
    limits: {
      connectionsMax: config.connectionsMax,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
    },
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
    security: securitySummary(auth, tls),
    close: async () => {
      failures.close();
      const closed = dual.close();
      // Subscriptions last up to five minutes; shutdown ends them (clients resubscribe elsewhere).
      frontDoor.endEventStreams();
      await frontDoor.drained();
      await closed;
      await streams.close();
      await storage.close();
    },
  };
}
