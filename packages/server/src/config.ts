/**
 * Server configuration: defaults, then a JSON config file, then TRIBUTARY_* environment variables,
 * then command-line flags — each later source overriding the earlier ones.
 */
import { readFileSync } from 'node:fs';
import type { DurabilityPolicy } from './storage/ports.js';

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
  shardLimit: number;
  durability: DurabilityPolicy;
  streams: InitialStream[];
  tlsCert?: string;
  tlsKey?: string;
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
  // AWS's default shard quota in us-east-1, us-west-2 and eu-west-1.
  shardLimit: 20_000,
  durability: 'fsync',
  streams: [],
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
  'shardLimit',
  'durability',
  'streams',
  'tlsCert',
  'tlsKey',
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
      config[option] = parseInteger(`--${kebab(option)}`, text, 0, 3_600_000);
      return;
    case 'shardLimit':
      config.shardLimit = parseInteger('--shard-limit', text, 1, 1_000_000);
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
