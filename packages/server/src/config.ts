/**
 * Server configuration: defaults, then a JSON config file, then TRIBUTARY_* environment variables,
 * then command-line flags — each later source overriding the earlier ones.
 */
import { readFileSync } from 'node:fs';
import type { AuthMode } from './auth/auth-mode.js';
import { connectionLimitDefaults } from './http/request-limits.js';
import { fanOutDefaults } from './services/streams/fan-out-config.js';
import { onDemandScalingDefaults } from './services/streams/on-demand-scaler.js';
import { retentionIntervalMsDefault } from './services/streams/retention-worker.js';
import type { DurabilityPolicy } from './storage/ports.js';

export type ThroughputLimitsSetting = 'off' | 'aws';

export interface InitialStream {
  readonly name: string;
  readonly shardCount: number;
}

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  inMemory: boolean;
  region: string;
  accountId: string;
  createStreamMs: number;
  deleteStreamMs: number;
  updateStreamMs: number;
  /** How long a registered consumer stays CREATING / a deregistered one DELETING. */
  registerConsumerMs: number;
  deregisterConsumerMs: number;
  /** How long a SubscribeToShard subscription lasts (AWS: 5 minutes; tests shorten it). */
  subscriptionLifetimeMs: number;
  shardLimit: number;
  durability: DurabilityPolicy;
  streams: InitialStream[];
  tlsCert?: string;
  tlsKey?: string;
  /** `aws`: per-shard token buckets at AWS's rates; `off`: the hardware's limit. */
  throughputLimits: ThroughputLimitsSetting;
  /** Fraction (0…1) of PutRecord/GetRecords calls and PutRecords records throttled at random. */
  injectThrottleRate: number;
  onDemandSplitRecordsPerSecond: number;
  onDemandSplitBytesPerSecond: number;
  onDemandWindowMs: number;
  onDemandMergeQuietMs: number;
  onDemandCheckIntervalMs: number;
  /** KMS keys for the local key ring (JSON, the key ring file's format); see src/kms/key-ring.ts. */
  kmsKeys?: string;
  /** How often retention deletes expired data (0: never). */
  retentionIntervalMs: number;
  /**
   * Testing only (hidden): milliseconds added to the clock the server runs on, so tests can see
   * retention and expiry without waiting hours. Records get arrival times on the shifted clock.
   */
  clockOffsetMs: number;
  /**
   * `sigv4`: every request's signature is verified against the users in `credentials`; `off`: a
   * complete-looking signature is enough. Unset: sigv4 with credentials, off on a loopback
   * address, refused on any other (auth/auth-mode.ts).
   */
  auth?: AuthMode;
  /** The users who may call, with their keys and IAM policies (JSON; see auth/credentials.ts). */
  credentials?: string;
  /** `self-signed`: serve https with a certificate made on first start (http/self-signed-certificate.ts). */
  tls?: 'self-signed';
  /** Open connections at most (http/request-limits.ts). */
  connectionsMax: number;
  /** An HTTP/1.1 request's headers must arrive within this. */
  headersTimeoutMs: number;
  /** An HTTP/1.1 request must arrive whole within this. */
  requestTimeoutMs: number;
  /** Connections and HTTP/2 streams without traffic this long are closed. */
  idleTimeoutMs: number;
}

export const defaultConfig: Readonly<ServerConfig> = {
  port: 4567,
  host: '127.0.0.1',
  dataDir: './tributary-data',
  inMemory: false,
  region: 'us-east-1',
  accountId: '000000000000',
  createStreamMs: 500,
  deleteStreamMs: 500,
  updateStreamMs: 500,
  registerConsumerMs: fanOutDefaults.registerConsumerMs,
  deregisterConsumerMs: fanOutDefaults.deregisterConsumerMs,
  subscriptionLifetimeMs: fanOutDefaults.subscriptionLifetimeMs,
  // AWS's default shard quota in us-east-1, us-west-2 and eu-west-1.
  shardLimit: 20_000,
  durability: 'fsync',
  streams: [],
  throughputLimits: 'off',
  injectThrottleRate: 0,
  onDemandSplitRecordsPerSecond: onDemandScalingDefaults.splitRecordsPerSecond,
  onDemandSplitBytesPerSecond: onDemandScalingDefaults.splitBytesPerSecond,
  onDemandWindowMs: onDemandScalingDefaults.windowMs,
  onDemandMergeQuietMs: onDemandScalingDefaults.mergeQuietMs,
  onDemandCheckIntervalMs: onDemandScalingDefaults.checkIntervalMs,
  retentionIntervalMs: retentionIntervalMsDefault,
  clockOffsetMs: 0,
  connectionsMax: connectionLimitDefaults.connectionsMax,
  headersTimeoutMs: connectionLimitDefaults.headersTimeoutMs,
  requestTimeoutMs: connectionLimitDefaults.requestTimeoutMs,
  idleTimeoutMs: connectionLimitDefaults.idleTimeoutMs,
};

/** Option names as flags (kebab-case), environment variables (TRIBUTARY_ + SNAKE) and file keys (camelCase). */
export const optionNames = [
  'port',
  'host',
  'dataDir',
  'inMemory',
  'region',
  'accountId',
  'createStreamMs',
  'deleteStreamMs',
  'updateStreamMs',
  'registerConsumerMs',
  'deregisterConsumerMs',
  'subscriptionLifetimeMs',
  'shardLimit',
  'durability',
  'streams',
  'tlsCert',
  'tlsKey',
  'throughputLimits',
  'injectThrottleRate',
  'onDemandSplitRecordsPerSecond',
  'onDemandSplitBytesPerSecond',
  'onDemandWindowMs',
  'onDemandMergeQuietMs',
  'onDemandCheckIntervalMs',
  'kmsKeys',
  'retentionIntervalMs',
  'clockOffsetMs',
  'auth',
  'credentials',
  'tls',
  'connectionsMax',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'idleTimeoutMs',
] as const satisfies ReadonlyArray<keyof ServerConfig>;

export type OptionName = (typeof optionNames)[number];

export function environmentName(option: OptionName): string {
  return `TRIBUTARY_${option.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

export class ConfigError extends Error {}

function parseInteger(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(`${option} must be a whole number, got '${text}'`);
  const value = Number(text);
  if (value < min || value > max) throw new ConfigError(`${option} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function parseFraction(option: string, text: string): number {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConfigError(`${option} must be a number from 0.0 to 1.0, got '${text}'`);
  }
  return value;
}

export function parseStreams(text: string): InitialStream[] {
  if (text.trim() === '') return [];
  return text.split(',').map((item) => {
    const [name = '', shards = '1'] = item.trim().split(':');
    if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name)) throw new ConfigError(`--streams: invalid stream name '${name}'`);
    return { name, shardCount: parseInteger('--streams shard count', shards, 1, 10_000) };
  });
}

/** Applies one textual value (from a flag or the environment) to the config. */
export function applyOption(config: ServerConfig, option: OptionName, raw: string | boolean): void {
  const text = String(raw);
  switch (option) {
    case 'port':
      config.port = parseInteger('--port', text, 0, 65535);
      return;
    case 'createStreamMs':
    case 'deleteStreamMs':
    case 'updateStreamMs':
    case 'registerConsumerMs':
    case 'deregisterConsumerMs':
      config[option] = parseInteger(`--${kebab(option)}`, text, 0, 3_600_000);
      return;
    case 'subscriptionLifetimeMs':
      config.subscriptionLifetimeMs = parseInteger('--subscription-lifetime-ms', text, 1, 3_600_000);
      return;
    case 'shardLimit':
      config.shardLimit = parseInteger('--shard-limit', text, 1, 1_000_000);
      return;
    case 'throughputLimits':
      if (text !== 'off' && text !== 'aws')
        throw new ConfigError(`--throughput-limits must be off or aws, got '${text}'`);
      config.throughputLimits = text;
      return;
    case 'injectThrottleRate':
      config.injectThrottleRate = parseFraction('--inject-throttle-rate', text);
      return;
    case 'onDemandSplitRecordsPerSecond':
    case 'onDemandSplitBytesPerSecond':
      config[option] = parseInteger(`--${kebab(option)}`, text, 1, 1_000_000_000);
      return;
    case 'onDemandWindowMs':
    case 'onDemandMergeQuietMs':
      config[option] = parseInteger(`--${kebab(option)}`, text, 1, 86_400_000);
      return;
    case 'onDemandCheckIntervalMs':
      config.onDemandCheckIntervalMs = parseInteger('--on-demand-check-interval-ms', text, 0, 3_600_000);
      return;
    case 'retentionIntervalMs':
      config.retentionIntervalMs = parseInteger('--retention-interval-ms', text, 0, 86_400_000);
      return;
    case 'clockOffsetMs':
      // Up to ten years: enough to expire the longest retention (8,760 hours) several times over.
      config.clockOffsetMs = parseInteger('--clock-offset-ms', text, 0, 10 * 365 * 86_400_000);
      return;
    case 'auth':
      if (text !== 'off' && text !== 'sigv4') throw new ConfigError(`--auth must be off or sigv4, got '${text}'`);
      config.auth = text;
      return;
    case 'tls':
      if (text !== 'self-signed') throw new ConfigError(`--tls must be self-signed, got '${text}'`);
      config.tls = text;
      return;
    case 'connectionsMax':
      config.connectionsMax = parseInteger('--connections-max', text, 1, 1_000_000);
      return;
    case 'headersTimeoutMs':
    case 'requestTimeoutMs':
    case 'idleTimeoutMs':
      config[option] = parseInteger(`--${kebab(option)}`, text, 100, 3_600_000);
      return;
    case 'inMemory':
      config.inMemory = raw === true || text === 'true' || text === '1';
      return;
    case 'durability':
      if (text !== 'fsync' && text !== 'os') throw new ConfigError(`--durability must be fsync or os, got '${text}'`);
      config.durability = text;
      return;
    case 'accountId':
      if (!/^\d{12}$/.test(text)) throw new ConfigError(`--account-id must be 12 digits, got '${text}'`);
      config.accountId = text;
      return;
    case 'streams':
      config.streams = parseStreams(text);
      return;
    default:
      config[option] = text;
  }
}

export function kebab(option: string): string {
  return option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

export function loadConfigFile(path: string, config: ServerConfig): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object')
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  for (const [key, value] of Object.entries(parsed)) {
    if (!(optionNames as readonly string[]).includes(key))
      throw new ConfigError(`config file ${path}: unknown option '${key}'`);
    const option = key as OptionName;
    if (option === 'streams' && Array.isArray(value)) {
      config.streams = parseStreams(
        value.map((item: { name: string; shardCount: number }) => `${item.name}:${item.shardCount}`).join(','),
      );
    } else {
      applyOption(config, option, typeof value === 'boolean' ? value : String(value));
    }
  }
}

export function loadEnvironment(environment: NodeJS.ProcessEnv, config: ServerConfig): void {
  for (const option of optionNames) {
    const value = environment[environmentName(option)];
    if (value !== undefined && value !== '') applyOption(config, option, value);
  }
}
