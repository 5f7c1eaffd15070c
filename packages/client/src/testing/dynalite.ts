/**
 * Test support: dynalite (an in-memory DynamoDB, npm `dynalite`) in a child process on
 * 127.0.0.1 with a free port and instant table state changes, and DynamoDB clients pointed at it.
 * Its CLI takes `--port 0` as "the default port", so the child runs dynalite's API with port 0
 * and prints the port it got.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** dynalite that has not printed its port by then has failed to start. */
export const dynaliteStartMsMax = 20_000;
/** A dynalite that does not exit this long after SIGTERM is killed. */
const dynaliteStopMsMax = 5_000;

export interface Dynalite {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** A DynamoDB client for this dynalite (dummy credentials, us-east-1). */
  client(): DynamoDBClient;
  /** Stops dynalite (its data is in memory and goes with it) and destroys the clients made. */
  stop(): Promise<void>;
}

const childScript = `
const dynalite = require(process.argv[1]);
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => console.log('dynalite port ' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export async function startDynalite(): Promise<Dynalite> {
  const modulePath = createRequire(import.meta.url).resolve('dynalite');
  const child = spawn(process.execPath, ['-e', childScript, modulePath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dynalite did not start within ${dynaliteStartMsMax} ms:\n${output}`));
    }, dynaliteStartMsMax);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /dynalite port (\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dynalite exited with ${code} before listening:\n${output}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  return {
    url,
    client: () => {
      const client = new DynamoDBClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test-secret' },
      });
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients.splice(0)) client.destroy();
      await stopChild(child, exited);
    },
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), dynaliteStopMsMax);
  });
  if ((await Promise.race([exited, late])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}
