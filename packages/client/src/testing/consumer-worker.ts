/**
 * Test support: one consumer worker as its own process, for tests that kill workers (SIGKILL) and
 * stop them (SIGTERM: graceful stop). Run as `node consumer-worker.js '<WorkerConfig as JSON>'`.
 *
 * It reports on stdout, one JSON object a line (WorkerLine): every batch processed (written before
 * processRecords returns, so before any checkpoint covers it; pipe writes are synchronous on
 * Linux, so a line written is a line the test receives even if the process is killed next), and
 * every consumer event.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Consumer } from '../consumer/consumer.js';
import type { ConsumerEvent, RetrievalOptions } from '../consumer/types.js';
import { DynamoDbLeaseStore } from '../leases/dynamodb-lease-store.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { NativeLeaseStore } from '../leases/native-lease-store.js';

export interface WorkerConfig {
  readonly url: string;
  readonly streamName: string;
  readonly applicationName: string;
  readonly workerId: string;
  readonly retrieval: RetrievalOptions;
  readonly failoverTimeMs: number;
  readonly checkpointEveryRecords: number;
  /** `native`, or the URL of a DynamoDB endpoint for DynamoDbLeaseStore. */
  readonly leaseStore: 'native' | { readonly dynamoDbUrl: string };
}

export type WorkerLine =
  | { readonly kind: 'started'; readonly workerId: string }
  | {
      readonly kind: 'records';
      readonly workerId: string;
      readonly shardId: string;
      readonly records: ReadonlyArray<readonly [string, number, string, string]>;
    }
  | {
      readonly kind: 'event';
      readonly workerId: string;
      readonly atMs: number;
      readonly event: Record<string, unknown>;
    }
  | { readonly kind: 'stopped'; readonly workerId: string };

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test-secret' };

function report(line: WorkerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function eventJson(event: ConsumerEvent): Record<string, unknown> {
  if (event.type !== 'error') return { ...event };
  const error = event.error instanceof Error ? `${event.error.name}: ${event.error.message}` : String(event.error);
  return { ...event, error };
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const kinesis = new KinesisClient({ endpoint: config.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  const leaseStore: LeaseStore =
    config.leaseStore === 'native'
      ? NativeLeaseStore.fromKinesisClient(kinesis, config.applicationName)
      : new DynamoDbLeaseStore({
          client: new DynamoDBClient({ endpoint: config.leaseStore.dynamoDbUrl, region: 'us-east-1', credentials }),
          applicationName: config.applicationName,
        });
  const workerId = config.workerId;
  const consumer = new Consumer({
    kinesis,
    streamName: config.streamName,
    applicationName: config.applicationName,
    workerId,
    leaseStore,
    retrieval: config.retrieval,
    initialPosition: 'TRIM_HORIZON',
    failoverTimeMs: config.failoverTimeMs,
    shardSyncIntervalMs: 2000,
    parentShardPollIntervalMs: 200,
    checkpointEvery: { records: config.checkpointEveryRecords },
    processor: (shardId) => ({
      processRecords: ({ records }) => {
        report({
          kind: 'records',
          workerId,
          shardId,
          records: records.map(
            (record) =>
              [
                record.sequenceNumber,
                record.subSequenceNumber,
                record.partitionKey,
                Buffer.from(record.data).toString('utf8'),
              ] as const,
          ),
        });
      },
      shardEnded: ({ checkpointer }) => checkpointer.checkpoint(),
    }),
    onEvent: (event) => report({ kind: 'event', workerId, atMs: Date.now(), event: eventJson(event) }),
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    void consumer.stop().then(() => {
      report({ kind: 'stopped', workerId });
      kinesis.destroy();
      process.exit(0);
    });
  });
  await consumer.start();
  report({ kind: 'started', workerId });
}

main().catch((error: unknown) => {
  process.stderr.write(`consumer-worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
