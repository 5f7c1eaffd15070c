/**
 * Test support: the streams service in this process, on in-memory storage and a clock the test
 * moves by hand, for behaviour that depends on time (the on-demand scaler, throughput limits)
 * without waiting and without timing-sensitive assertions.
 */
import assert from 'node:assert/strict';
import { type EventStreamOutput, isEventStreamOutput, type StreamEvent } from '../protocol/event-stream.js';
import type { StreamsConfig } from '../services/streams/context.js';
import { createStreamsService, type StreamsService } from '../services/streams/service.js';
import { createStreamsStorage } from '../storage/embedded/open.js';
import type { MetaStore } from '../storage/ports.js';
import type { LineageCalls, LineageShard } from './lineage-reader.js';

export interface InProcessStreams {
  readonly service: StreamsService;
  readonly clock: { nowMs: number };
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Lets the registry's zero-delay timers (state transitions) run, bounded. */
  waitForStatus(name: string, status: string): Promise<void>;
  close(): Promise<void>;
}

const pollsMax = 1000;

export async function startInProcessStreams(
  config: Partial<StreamsConfig> = {},
  options: {
    random?: () => number;
    /** Wraps the metadata store (tests that make its writes fail). */
    wrapMeta?: (meta: MetaStore) => MetaStore;
  } = {},
): Promise<InProcessStreams> {
  const clock = { nowMs: Date.UTC(2026, 0, 1) };
  const storage = await createStreamsStorage({ inMemory: true, dataDir: '/in-memory', durability: 'os' });
  const service = await createStreamsService({
    config: {
      region: 'us-east-1',
      accountId: '000000000000',
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 1000,
      ...config,
    },
    meta: options.wrapMeta ? options.wrapMeta(storage.meta) : storage.meta,
    logs: storage.logs,
    clock: () => clock.nowMs,
    ...(options.random ? { random: options.random } : {}),
  });
  // Every operation these tests call answers a plain object (no event stream).
  const call = async (operation: string, input: Record<string, unknown>) =>
    (await service.invoke(operation, input)) as Record<string, unknown>;
  return {
    service,
    clock,
    call,
    waitForStatus: async (name, status) => {
      for (let poll = 0; poll < pollsMax; poll++) {
        if (service.context.registry.find(name)?.status === status) return;
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      throw new Error(`stream ${name} did not become ${status}`);
    },
    close: async () => {
      await service.close();
      await storage.close();
    },
  };
}

/** The lineage reader's calls over the in-process service. */
export function inProcessLineageCalls(streams: InProcessStreams, streamName: string): LineageCalls {
  return {
    listShards: async () => (await streams.call('ListShards', { StreamName: streamName })).Shards as LineageShard[],
    trimHorizonIterator: async (shardId) => {
      const answer = await streams.call('GetShardIterator', {
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      return answer.ShardIterator as string;
    },
    getRecords: async (iterator) => {
      const answer = await streams.call('GetRecords', { ShardIterator: iterator });
      const records = answer.Records as Array<{ SequenceNumber: string; PartitionKey: string; Data: Buffer }>;
      const children = answer.ChildShards as Array<{ ShardId: string }> | undefined;
      return {
        records: records.map((record) => ({ ...record, Data: record.Data.toString('utf8') })),
        nextIterator: answer.NextShardIterator as string | undefined,
        childShardIds: children?.map((child) => child.ShardId),
        millisBehindLatest: answer.MillisBehindLatest as number,
      };
    },
  };
}

/** A SubscribeToShard of the in-process service, pulled event by event. */
export interface InProcessSubscription {
  next(): Promise<IteratorResult<StreamEvent>>;
  /** Aborts the call (the client went away) and ends the iteration. */
  stop(): Promise<void>;
}

export async function subscribeInProcess(
  streams: InProcessStreams,
  consumerArn: string,
  startingPosition: Record<string, unknown>,
  shardId = 'shardId-000000000000',
): Promise<InProcessSubscription> {
  const controller = new AbortController();
  const output = await streams.service.invoke(
    'SubscribeToShard',
    { ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: startingPosition },
    { signal: controller.signal },
  );
  assert.ok(isEventStreamOutput(output), 'SubscribeToShard answers with an event stream');
  const iterator = (output as EventStreamOutput).events[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    stop: async () => {
      controller.abort();
      await iterator.return?.();
    },
  };
}
