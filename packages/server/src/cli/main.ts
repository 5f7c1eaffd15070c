#!/usr/bin/env node
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
  shardLimit: 'the account shard quota',
  durability: 'fsync: acknowledge after fdatasync (group commit); os: after the page-cache write',
  streams: 'streams to create at start-up, as name:shards,name:shards',
  tlsCert: 'TLS certificate (PEM) — serve https with ALPN h2 and http/1.1',
  tlsKey: 'TLS private key (PEM)',
};

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
  serve.addOption(
    new Option(
      flag,
      `${descriptions[option]} (env ${environmentName(option)}${shown === undefined ? '' : `, default ${String(shown)}`})`,
    ),
  );
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
  const server = await startServer(config);
  const storage = config.inMemory ? 'in memory' : `data in ${config.dataDir}, durability ${config.durability}`;
  console.log(`tributary: listening on ${server.url} (${storage})`);
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

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error('tributary:', error instanceof Error ? error.message : error);
  process.exit(1);
});
