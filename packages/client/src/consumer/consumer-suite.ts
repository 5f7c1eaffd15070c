/**
 * The consumer's behaviour suite, run once per retrieval mode (consumer-polling.test.ts,
 * consumer-fan-out.test.ts) and lease store (consumer-dynamodb.test.ts) against a real Tributary
 * server process, so every combination passes the same tests. Subscriptions last 3 s here, so
 * fan-out renews them (from ContinuationSequenceNumber) several times within a test, as it does
 * every 5 minutes against AWS. The tests themselves are in suite-positions.ts and suite-records.ts.
 */
import { after, before, describe } from 'node:test';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream } from '@tributary/server/dist/testing/streams.js';
import type { LeaseStore } from '../leases/lease-store.js';
import type { ProcessingLog } from '../testing/consumer-harness.js';
import { Consumer } from './consumer.js';
import { positionTests } from './suite-positions.js';
import { recordTests } from './suite-records.js';
import type { CheckpointEvery, ConsumerOptions, InitialPosition, RetrievalOptions } from './types.js';

export type RetrievalMode = RetrievalOptions['mode'];
export type LeaseStoreFactory = (client: KinesisClient, applicationName: string) => LeaseStore | Promise<LeaseStore>;

/** Fan-out subscriptions end by themselves this often (AWS: 5 minutes). */
export const testSubscriptionLifetimeMs = 3000;
const failoverTimeMs = 3000;

/** What the tests get from the suite: the server's client and helpers bound to it. */
export interface SuiteContext {
  readonly mode: RetrievalMode;
  client(): KinesisClient;
  /** A new ACTIVE stream with a unique name. */
  newStream(shardCount: number): Promise<string>;
  /** A started worker (stopped by the suite if the test does not). */
  worker(log: ProcessingLog, options: WorkerOptions): Promise<Consumer>;
  stopped(consumer: Consumer): Promise<void>;
  makeStore(applicationName: string): Promise<LeaseStore>;
}

export interface WorkerOptions {
  readonly streamName: string;
  /** Name the stream by its ARN instead. */
  readonly byArn?: boolean;
  readonly applicationName: string;
  readonly workerId: string;
  readonly store: LeaseStore;
  readonly initialPosition?: InitialPosition;
  readonly checkpointEvery?: CheckpointEvery;
  readonly failoverTimeMs?: number;
  readonly processor?: ConsumerOptions['processor'];
}

export function consumerSuite(mode: RetrievalMode, storeName: string, makeStore: LeaseStoreFactory): void {
  describe(`Consumer with ${mode} retrieval and the ${storeName} lease store`, () => {
    let server: ServerProcess;
    let client: KinesisClient;
    const running: Consumer[] = [];
    let streamCount = 0;

    before(async () => {
      server = await startServerProcess({
        inMemory: true,
        args: ['--subscription-lifetime-ms', String(testSubscriptionLifetimeMs)],
      });
      client = kinesisClient(server.url);
    });
    after(async () => {
      await Promise.all(running.map((consumer) => consumer.stop()));
      client.destroy();
      await server.stop();
    });

    async function newStream(shardCount: number): Promise<string> {
      const name = `consumer-${mode}-${streamCount++}`;
      await createActiveStream(client, name, shardCount);
      return name;
    }

    const retrieval: RetrievalOptions =
      mode === 'polling' ? { mode, maxRecords: 25, idleTimeBetweenReadsMs: 50 } : { mode };

    async function worker(log: ProcessingLog, options: WorkerOptions): Promise<Consumer> {
      const consumer = new Consumer({
        kinesis: client,
        ...(options.byArn
          ? { streamARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${options.streamName}` }
          : { streamName: options.streamName }),
        applicationName: options.applicationName,
        workerId: options.workerId,
        leaseStore: options.store,
        retrieval,
        initialPosition: options.initialPosition ?? 'TRIM_HORIZON',
        failoverTimeMs: options.failoverTimeMs ?? failoverTimeMs,
        shardSyncIntervalMs: 1000,
        parentShardPollIntervalMs: 100,
        ...(options.checkpointEvery === undefined ? {} : { checkpointEvery: options.checkpointEvery }),
        processor: options.processor ?? log.processor(options.workerId),
        onEvent: log.listener(options.workerId),
      });
      running.push(consumer);
      await consumer.start();
      return consumer;
    }

    async function stopped(consumer: Consumer): Promise<void> {
      await consumer.stop();
      running.splice(running.indexOf(consumer), 1);
    }

    const context: SuiteContext = {
      mode,
      client: () => client,
      newStream,
      worker,
      stopped,
      makeStore: async (applicationName) => makeStore(client, applicationName),
    };
    positionTests(context);
    recordTests(context);
  });
}
