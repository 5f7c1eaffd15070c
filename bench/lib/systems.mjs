/**
 * The systems under test and how each is started on 127.0.0.1. Each start() resolves to
 * { url, pid, stop(), ... } once the system answers; everything runs as a direct child process
 * (no shell, no npx) so that pid is the server itself and /proc numbers are the server's.
 */

import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeDirectory, startChild, trackDirectory } from './children.mjs';
import { KinesisClient } from './kinesis-client.mjs';
import { freePort } from './ports.mjs';

const require = createRequire(import.meta.url);
const benchDirectory = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const repositoryDirectory = path.dirname(benchDirectory);
const tributaryCli = path.join(repositoryDirectory, 'packages/server/dist/cli/main.js');
const bindLoopback = path.join(benchDirectory, 'bind-loopback.cjs');
/** A server that has not answered by then has failed to start (kinesis-local needs a few seconds). */
const startMsMax = 60_000;

function packageVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return 'unknown';
  }
}

function listeningUrl(output) {
  return /listening on (http:\/\/\S+?)(?:\s|$)/.exec(output)?.[1] ?? null;
}

function withDataDirectory(handle, dataDirectory) {
  return {
    ...handle,
    async stop(signal) {
      const status = await handle.stop(signal);
      if (dataDirectory) removeDirectory(dataDirectory);
      return status;
    },
  };
}

/**
 * Starts `tributary serve` on a fresh data directory (or the given one, for restarts).
 * nodeOptions are node flags such as --cpu-prof.
 */
/** Node flags and environment of the server as users start it: package.json `start`, cli/main.ts's shebang. */
export const tributaryNodeFlags = ['--max-semi-space-size=4'];
export const tributaryEnvironment = { MALLOC_MMAP_THRESHOLD_: '131072' };

export async function startTributary(options) {
  const dataDirectory =
    options.dataDirectory ?? trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-')));
  const args = [
    // The flags `npm start` and the `tributary` command run the server with (decision 0004).
    ...tributaryNodeFlags,
    ...(options.nodeOptions ?? []),
    tributaryCli,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--data-dir',
    dataDirectory,
    '--create-stream-ms',
    '0',
    '--durability',
    options.durability,
  ];
  const handle = await startChild({
    name: `tributary (${options.durability})`,
    command: process.execPath,
    args,
    env: { ...process.env, ...tributaryEnvironment },
    cwd: options.cwd ?? repositoryDirectory,
    startMsMax,
    ready: listeningUrl,
  });
  const server = { ...handle, url: handle.readyValue, dataDirectory };
  return options.keepDataDirectory ? server : withDataDirectory(server, dataDirectory);
}

export async function startNullServer() {
  const handle = await startChild({
    name: 'null server',
    command: process.execPath,
    args: [path.join(benchDirectory, 'null-server.mjs'), '--port', '0', '--shards', '4'],
    startMsMax,
    ready: listeningUrl,
  });
  return { ...handle, url: handle.readyValue };
}

/** bench/push-floor-server.mjs (the fan-out scenario's floor): Node's own put → fsync → push. */
export async function startPushFloorServer() {
  const dataDirectory = trackDirectory(mkdtempSync(path.join(os.tmpdir(), 'tributary-bench-floor-')));
  const handle = await startChild({
    name: 'push floor',
    command: process.execPath,
    args: [path.join(benchDirectory, 'push-floor-server.mjs'), '--port', '0', '--data-dir', dataDirectory],
    startMsMax,
    ready: listeningUrl,
  });
  return withDataDirectory({ ...handle, url: handle.readyValue }, dataDirectory);
}

export async function startKinesalite() {
  // kinesalite's own CLI (in-memory store by default), preloaded to bind 127.0.0.1 only. It cannot
  // be given port 0 (its CLI reads 0 as "unset" and takes 4567), hence a port picked here.
  const port = await freePort();
  const handle = await startChild({
    name: 'kinesalite',
    command: process.execPath,
    args: [
      '--require',
      bindLoopback,
      require.resolve('kinesalite/cli.js'),
      '--port',
      String(port),
      '--createStreamMs',
      '0',
    ],
    startMsMax,
    ready: (output) => /Listening at http:\/\/[^:]*:(\d+)/.exec(output)?.[1] ?? null,
  });
  return { ...handle, url: `http://127.0.0.1:${handle.readyValue}` };
}

export async function startKinesisLocal() {
  const port = await freePort();
  const tlsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const probe = new KinesisClient(url);
  const packageDirectory = path.dirname(require.resolve('kinesis-local/package.json'));
  try {
    const handle = await startChild({
      name: 'kinesis-local',
      command: process.execPath,
      args: ['--require', bindLoopback, 'main.js'],
      // kinesis-local reads its TLS certificate (server.json) from the working directory.
      cwd: packageDirectory,
      env: {
        ...process.env,
        KINESIS_MOCK_PLAIN_PORT: String(port),
        KINESIS_MOCK_TLS_PORT: String(tlsPort),
        // Stream transitions as instant as the other systems', in-memory only (its default, stated
        // here so the comparison does not depend on it), and no per-request log lines.
        CREATE_STREAM_DURATION: '0ms',
        DELETE_STREAM_DURATION: '0ms',
        SHOULD_PERSIST_DATA: 'false',
        LOG_LEVEL: 'ERROR',
        ROOT_LOG_LEVEL: 'ERROR',
      },
      startMsMax,
      ready: () => null,
      poll: async () => (await probe.send('ListStreams', Buffer.from('{}'))).statusCode === 200,
    });
    return { ...handle, url };
  } finally {
    await probe.close();
  }
}

/** The systems of one run, in the order they are measured. `stores` is false for the null server. */
export const systemDefinitions = [
  {
    key: 'tributary-fsync',
    label: 'Tributary (fsync)',
    version: () => packageVersion('@tributary/server'),
    stores: true,
    start: () => startTributary({ durability: 'fsync' }),
  },
  {
    key: 'tributary-os',
    label: 'Tributary (os)',
    version: () => packageVersion('@tributary/server'),
    stores: true,
    start: () => startTributary({ durability: 'os' }),
  },
  {
    key: 'kinesalite',
    label: 'kinesalite',
    version: () => packageVersion('kinesalite'),
    stores: true,
    start: startKinesalite,
  },
  {
    key: 'kinesis-local',
    label: 'kinesis-local',
    version: () => packageVersion('kinesis-local'),
    stores: true,
    start: startKinesisLocal,
  },
  {
    key: 'null',
    label: 'null server',
    version: () => 'bench/null-server.mjs',
    stores: false,
    start: startNullServer,
  },
];
