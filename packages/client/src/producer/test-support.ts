/**
 * Test support for the producer tests: a real server process, streams, reading a whole stream
 * back with GetRecords, and SDK middleware that watches (or, where a test says so, rewrites)
 * PutRecords calls.
 */

import { after, before } from 'node:test';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream } from '@tributary/server/dist/testing/streams.js';

/** Deterministic backoff jitter (mulberry32), the server tests' own source. */
export { seededRandom } from '@tributary/server/dist/testing/random.js';
/** Bounded waits for a condition that events make true. */
export { waitFor } from '../testing/consumer-harness.js';

export interface TestServer {
  readonly server: ServerProcess;
  readonly kinesis: KinesisClient;
  /** A client of its own, for a test that adds middleware. */
  client(): KinesisClient;
  stop(): Promise<void>;
}

/**
 * One in-memory server for the tests of a file (started before them, stopped after): returns an
 * accessor, since the server exists only once the `before` hook has run.
 */
export function useTestServer(args: string[] = []): () => TestServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer(args);
  });
  after(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the test server is not started yet');
    return server;
  };
}

export async function startTestServer(args: string[] = []): Promise<TestServer> {
  const server = await startServerProcess({ inMemory: true, args });
  const clients = [kinesisClient(server.url)];
  return {
    server,
    kinesis: clients[0] as KinesisClient,
    client: () => {
      const client = kinesisClient(server.url);
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      await server.stop();
    },
  };
}

/** Creates a stream and waits (bounded) until it is ACTIVE. */
export function createStream(kinesis: KinesisClient, name: string, shardCount: number): Promise<void> {
  return createActiveStream(kinesis, name, shardCount);
}

export interface StoredRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
}

function isThrottle(error: unknown): boolean {
  return error instanceof Error && error.name === 'ProvisionedThroughputExceededException';
}

/** Calls again while the server throttles (throttle injection and read limits apply to reads too). */
async function unthrottled<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottle(error) || attempt >= 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Every record of every shard (open and closed), shard by shard, in sequence order. */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<StoredRecord[]> {
  const listed = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const result: StoredRecord[] = [];
  for (const shard of listed.Shards ?? []) {
    const shardId = shard.ShardId as string;
    const startingHashKey = BigInt(shard.HashKeyRange?.StartingHashKey ?? '0');
    const endingHashKey = BigInt(shard.HashKeyRange?.EndingHashKey ?? '0');
    const iterator = await unthrottled(() =>
      kinesis.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      ),
    );
    let next = iterator.ShardIterator;
    for (let page = 0; next && page < 10_000; page++) {
      const current: string = next;
      const got = await unthrottled(() =>
        kinesis.send(new GetRecordsCommand({ ShardIterator: current, Limit: 10_000 })),
      );
      const records: _Record[] = got.Records ?? [];
      for (const record of records)
        result.push({
          shardId,
          sequenceNumber: record.SequenceNumber as string,
          partitionKey: record.PartitionKey as string,
          data: record.Data as Uint8Array,
          startingHashKey,
          endingHashKey,
        });
      if (records.length === 0 && (got.MillisBehindLatest ?? 0) === 0) break;
      next = got.NextShardIterator;
    }
  }
  return result;
}

export interface PutRecordsCall {
  readonly input: PutRecordsCommandInput;
  output?: PutRecordsCommandOutput;
}

/** Records every PutRecords call the client makes (its input, and its output once answered). */
export function watchPutRecords(kinesis: KinesisClient): PutRecordsCall[] {
  const calls: PutRecordsCall[] = [];
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const call: PutRecordsCall = { input: args.input as PutRecordsCommandInput };
      calls.push(call);
      const answer = await next(args);
      call.output = answer.output as PutRecordsCommandOutput;
      return answer;
    },
    { step: 'initialize' },
  );
  return calls;
}

/**
 * REWRITES PutRecords calls (tests say so where they use it): `drop(callIndex, entryIndex)` picks
 * entries that are withheld from the server and answered as failed with `errorCode`, as if Kinesis
 * had refused them. The server never sees them, so the stream holds exactly what succeeded.
 */
export function failSomePutRecords(
  kinesis: KinesisClient,
  drop: (callIndex: number, entryIndex: number) => boolean,
  errorCode = 'ProvisionedThroughputExceededException',
): void {
  let callIndex = 0;
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const index = callIndex++;
      const records = input.Records ?? [];
      const dropped = records.map((_, entryIndex) => drop(index, entryIndex));
      const kept = records.filter((_, entryIndex) => !dropped[entryIndex]);
      if (kept.length === records.length) return next(args);
      const failedEntry = { ErrorCode: errorCode, ErrorMessage: 'Rate exceeded (rewritten by the test)' };
      if (kept.length === 0)
        return {
          response: {},
          output: { $metadata: {}, FailedRecordCount: records.length, Records: records.map(() => failedEntry) },
        };
      const answer = await next({ ...args, input: { ...input, Records: kept } });
      const output = answer.output as PutRecordsCommandOutput;
      const keptResults = [...(output.Records ?? [])];
      const merged = dropped.map((isDropped) => (isDropped ? failedEntry : (keptResults.shift() ?? failedEntry)));
      return {
        ...answer,
        output: {
          ...output,
          FailedRecordCount: merged.filter((entry) => 'ErrorCode' in entry).length,
          Records: merged,
        },
      };
    },
    { step: 'initialize' },
  );
}

export const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
