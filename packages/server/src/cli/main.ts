#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=4
/** The `tributary` command. */
import { Command, Option } from 'commander';
import {
  applyOption,
  ConfigError,
  defaultConfig,
  environmentName,
  kebab,
  loadConfigFile,
  loadEnvironment,
  type OptionName,
  optionNames,
  type ServerConfig,
} from '../config.js';
import { startServer } from '../server.js';
import { registerVerifyCommand } from './verify.js';

const descriptions: Record<OptionName, string> = {
  port: 'port to listen on (0 picks a free one)',
  host: 'address to bind',
  dataDir: 'directory for the embedded storage',
  inMemory: 'keep everything in memory (the same engine, no disk)',
  region: 'AWS region the server answers as',
  accountId: 'AWS account id the server answers as (12 digits)',
  createStreamMs: 'how long a new stream stays CREATING',
  deleteStreamMs: 'how long a deleted stream stays DELETING',
  updateStreamMs: 'how long an updated stream stays UPDATING',
  registerConsumerMs: 'how long a registered stream consumer stays CREATING',
  deregisterConsumerMs: 'how long a deregistered stream consumer stays DELETING',
  subscriptionLifetimeMs: 'how long a SubscribeToShard subscription lasts before it ends cleanly',
  shardLimit: 'the account shard quota',
  durability: 'fsync: acknowledge after fdatasync (group commit); os: after the page-cache write',
  streams: 'streams to create at start-up, as name:shards,name:shards',
  tlsCert: 'TLS certificate (PEM) — serve https with ALPN h2 and http/1.1',
  tlsKey: 'TLS private key (PEM)',
  throughputLimits:
    "aws: per-shard limits at AWS's rates (1 MiB/s and 1,000 records/s in, 2 MiB/s and 5 reads/s out); off: none",
  injectThrottleRate: 'fraction (0.0–1.0) of PutRecord/GetRecords calls and PutRecords records throttled at random',
  onDemandSplitRecordsPerSecond: 'ON_DEMAND streams split a shard writing more records/s than this over the window',
  onDemandSplitBytesPerSecond: 'ON_DEMAND streams split a shard writing more bytes/s than this over the window',
  onDemandWindowMs: 'the sliding window ON_DEMAND write rates are averaged over',
  onDemandMergeQuietMs: 'ON_DEMAND streams merge adjacent shards below a quarter of the split rates for this long',
  onDemandCheckIntervalMs: 'how often the on-demand scaler checks (0: never)',
  kmsKeys: 'JSON file of KMS keys for the local key ring (keyId, aliases, enabled, material)',
  retentionIntervalMs: 'how often expired data is deleted (0: never)',
  clockOffsetMs: 'testing only: milliseconds added to the server clock',
  auth: 'sigv4: verify request signatures against --credentials; off: accept any complete-looking signature (default: sigv4 with --credentials, off on loopback, refused elsewhere)',
  credentials: 'JSON file of users, their access keys and IAM policies (docs/security.md)',
  tls: 'self-signed: serve https with a certificate made on first start (kept in the data directory)',
  connectionsMax: 'open connections at most; more are closed as they arrive',
  headersTimeoutMs: "an HTTP/1.1 request's headers must arrive within this",
  requestTimeoutMs: 'an HTTP/1.1 request must arrive whole (body included) within this',
  idleTimeoutMs: 'connections and HTTP/2 streams without traffic this long are closed',
};

/** Options for tests, not users: accepted but left out of --help. */
const hiddenOptions: ReadonlySet<OptionName> = new Set(['clockOffsetMs']);

function buildConfig(flags: Record<string, unknown>): ServerConfig {
  const config: ServerConfig = { ...defaultConfig, streams: [...defaultConfig.streams] };
  const configFile = (flags.config as string | undefined) ?? process.env.TRIBUTARY_CONFIG;
  if (configFile) loadConfigFile(configFile, config);
  loadEnvironment(process.env, config);
  for (const option of optionNames) {
    const value = flags[option];
    if (value !== undefined) applyOption(config, option, value as string | boolean);
  }
  return config;
}

const program = new Command('tributary').description('A self-hosted streaming data platform that speaks Kinesis');
const serve = program.command('serve').description('start the server');
serve.addOption(new Option('--config <file>', 'JSON config file (env TRIBUTARY_CONFIG)'));
for (const option of optionNames) {
  const flag = option === 'inMemory' ? '--in-memory' : `--${kebab(option)} <value>`;
  const fallback = defaultConfig[option];
  const shown = Array.isArray(fallback) ? undefined : fallback;
  const described = new Option(
    flag,
    `${descriptions[option]} (env ${environmentName(option)}${shown === undefined ? '' : `, default ${String(shown)}`})`,
  );
  serve.addOption(hiddenOptions.has(option) ? described.hideHelp() : described);
}
serve.action(async (flags: Record<string, unknown>) => {
  let config: ServerConfig;
  try {
    config = buildConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tributary: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config);
  } catch (error) {
    // An unsafe or impossible setup (no authentication on a public address, no openssl, …).
    if (error instanceof ConfigError) {
      console.error(`tributary: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const storage = config.inMemory ? 'in memory' : `data in ${config.dataDir}, durability ${config.durability}`;
  console.log(`tributary: listening on ${server.url} (${storage}; ${server.security})`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`tributary: ${signal} received, finishing in-flight requests`);
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('tributary: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
});

registerVerifyCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error('tributary:', error instanceof Error ? error.message : error);
  process.exit(1);
});
