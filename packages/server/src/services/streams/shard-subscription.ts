/**
 * One SubscribeToShard subscription as a stream of events, pulled by the front door one at a time.
 *
 * Push, not poll: when the subscription has caught up it parks on ShardLog.waitForRecords, and the
 * commit that makes the next record durable wakes it. It then reads from storage — never from a
 * queue that appends fill — at most subscriptionEventBytesMax per event, and reads again only once
 * the front door has handed the previous event to the socket. A stalled client therefore holds
 * one event in memory, not the stream's backlog.
 *
 * Every event carries ContinuationSequenceNumber (also the heartbeat events sent while no records
 * flow), except the last one of a closed, drained shard: it carries ChildShards instead, and a
 * missing ContinuationSequenceNumber is what tells KCL the shard has ended.
 *
 * The subscription ends cleanly after its lifetime (5 minutes), or with an exception event when a
 * newer subscription takes over, the consumer is deregistered, or the stream or shard goes away.
 */
import type { StreamEvent } from '../../protocol/event-stream.js';
import type { LogRecord, ReadResult, ShardLog } from '../../storage/ports.js';
import { consumerEpochSeconds } from './consumer-registry.js';
import type { StreamsContext } from './context.js';
import { childShards } from './describe.js';
import { streamErrors } from './errors.js';
import {
  fanOutConfig,
  subscriptionBytesPerSecondMax,
  subscriptionEventBytesMax,
  subscriptionEventRecordsMax,
} from './fan-out-config.js';
import { encodeSequence } from './sequence-number.js';
import { sharedRead } from './shared-reads.js';
import { type ShardState, type StreamState, shardIdOf } from './state.js';
import type { SubscriptionLease } from './subscription-hub.js';
import { continuationSequence } from './subscription-start.js';

export interface Subscription {
  readonly context: StreamsContext;
  readonly streamName: string;
  readonly streamCreatedMs: number;
  readonly shardIndex: number;
  readonly consumerName: string;
  readonly consumerArn: string;
  readonly log: ShardLog;
  readonly startOffset: number;
  readonly lease: SubscriptionLease;
  /** Aborts when the client went away or the server is shutting down: the stream just stops. */
  readonly signal: AbortSignal;
}

const eventType = 'SubscribeToShardEvent';
/** The reason every wake-up aborts with (never thrown: the waits resolve, they do not reject). */
const wakeReason = new Error('subscription woken');

type Standing =
  | { readonly live: true; readonly stream: StreamState; readonly shard: ShardState }
  | { readonly live: false; readonly event?: StreamEvent };

/** Whether the subscription may go on, and if not, what it ends with. */
function standing(sub: Subscription): Standing {
  const { context } = sub;
  const account = context.config.accountId;
  if (sub.signal.aborted) return { live: false };
  if (sub.lease.ended() === 'takeover') {
    return { live: false, event: { kind: 'exception', error: streamErrors.subscriptionInUse(sub.consumerArn) } };
  }
  const stream = context.registry.find(sub.streamName);
  const readable =
    stream?.createdMs === sub.streamCreatedMs && (stream.status === 'ACTIVE' || stream.status === 'UPDATING');
  const shard = readable ? stream.shards.find((candidate) => candidate.index === sub.shardIndex) : undefined;
  if (!stream || !shard) {
    const error = streamErrors.shardNotFound(shardIdOf(sub.shardIndex), sub.streamName, account);
    return { live: false, event: { kind: 'exception', error } };
  }
  const consumer = context.consumers.find(stream, sub.consumerName);
  if (consumer?.arn !== sub.consumerArn) {
    const epochSeconds = sub.consumerArn.slice(sub.consumerArn.lastIndexOf(':') + 1);
    const error = streamErrors.consumerNotFound(sub.consumerName, epochSeconds, stream.name, account);
    return { live: false, event: { kind: 'exception', error } };
  }
  if (consumer.status !== 'ACTIVE') {
    const epochSeconds = consumerEpochSeconds(consumer);
    const error = streamErrors.consumerNotActiveForSubscription(consumer.name, epochSeconds, stream.name, account);
    return { live: false, event: { kind: 'exception', error } };
  }
  return { live: true, stream, shard };
}

function recordBytes(records: readonly LogRecord[]): number {
  return records.reduce((sum, record) => sum + record.data.length + Buffer.byteLength(record.partitionKey), 0);
}

/** Subscribers that shared a read share its event, so the front door encodes it once. */
const eventsByRead = new WeakMap<ReadResult, StreamEvent>();

function dataEvent(shard: ShardState, log: ShardLog, read: ReadResult): StreamEvent {
  const shared = eventsByRead.get(read);
  if (shared) return shared;
  const event = buildDataEvent(shard, log, read);
  eventsByRead.set(read, event);
  return event;
}

function buildDataEvent(shard: ShardState, log: ShardLog, read: ReadResult): StreamEvent {
  const last = read.records.at(-1) as LogRecord;
  const caughtUp = read.nextOffset >= log.endOffset();
  // One shard's numbers differ only in their offset bits: build the rest once per event.
  const base = encodeSequence({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset: 0 });
  return {
    kind: 'event',
    eventType,
    body: {
      Records: read.records.map((record) => ({
        SequenceNumber: (base + BigInt(record.offset)).toString(),
        ApproximateArrivalTimestamp: new Date(record.arrivalMs),
        Data: record.data,
        PartitionKey: record.partitionKey,
        EncryptionType: record.encrypted ? 'KMS' : undefined,
      })),
      ContinuationSequenceNumber: continuationSequence(shard, read.nextOffset),
      MillisBehindLatest: caughtUp ? 0 : Math.max(0, (log.lastArrivalMs() ?? last.arrivalMs) - last.arrivalMs),
    },
  };
}

function heartbeatEvent(shard: ShardState, offset: number): StreamEvent {
  const body = { Records: [], ContinuationSequenceNumber: continuationSequence(shard, offset), MillisBehindLatest: 0 };
  return { kind: 'event', eventType, body };
}

function shardEndEvent(stream: StreamState, shard: ShardState): StreamEvent {
  return {
    kind: 'event',
    eventType,
    body: { Records: [], MillisBehindLatest: 0, ChildShards: childShards(stream, shard) },
  };
}

/**
 * `--throughput-limits aws`: 2 MiB/s per consumer and shard, as a token bucket holding one second.
 * An event is charged after it was read (one record may exceed the balance); the next read waits
 * until the balance is positive again.
 */
class BytePacer {
  #tokens = subscriptionBytesPerSecondMax;
  #updatedMs: number;

  constructor(nowMs: number) {
    this.#updatedMs = nowMs;
  }

  waitMs(nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - this.#updatedMs);
    this.#tokens = Math.min(
      subscriptionBytesPerSecondMax,
      this.#tokens + (elapsedMs * subscriptionBytesPerSecondMax) / 1000,
    );
    this.#updatedMs = Math.max(this.#updatedMs, nowMs);
    return this.#tokens > 0 ? 0 : Math.ceil((-this.#tokens * 1000) / subscriptionBytesPerSecondMax) + 1;
  }

  charge(bytes: number): void {
    this.#tokens -= bytes;
  }
}

/**
 * Parks until a record at `offset` is durable, `waitMs` passed, or the subscription must end.
 * Resolves true when the time ran out (the timer, not the injected clock, measures the wait).
 */
async function waitForWake(sub: Subscription, offset: number, waitMs: number, forRecords: boolean): Promise<boolean> {
  const controller = new AbortController();
  // abort() without a reason builds a DOMException each time: measurable at thousands of wakes/s.
  const wake = (): void => controller.abort(wakeReason);
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      wake();
    },
    Math.max(0, waitMs),
  );
  sub.signal.addEventListener('abort', wake, { once: true });
  sub.lease.signal.addEventListener('abort', wake, { once: true });
  // A resharding that closes the shard wakes a caught-up reader, which then sends ChildShards.
  const stopWatching = sub.lease.onShardMapChange(wake);
  try {
    if (forRecords) {
      await sub.log.waitForRecords(offset, controller.signal);
    } else {
      await new Promise<void>((resolve) =>
        controller.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
    }
  } finally {
    clearTimeout(timer);
    stopWatching();
    sub.signal.removeEventListener('abort', wake);
    sub.lease.signal.removeEventListener('abort', wake);
  }
  return timedOut;
}

async function* subscriptionEvents(sub: Subscription): AsyncGenerator<StreamEvent, void, undefined> {
  const { context, log } = sub;
  const timing = fanOutConfig(context.config);
  const deadlineMs = context.clock() + timing.subscriptionLifetimeMs;
  const pacer = context.throughput.mode === 'aws' ? new BytePacer(context.clock()) : undefined;
  let offset = sub.startOffset;
  // The first event goes out at once; later heartbeats after a heartbeat interval without events.
  let heartbeatDue = true;
  try {
    for (;;) {
      const state = standing(sub);
      if (!state.live) {
        if (state.event) yield state.event;
        return;
      }
      const nowMs = context.clock();
      if (nowMs >= deadlineMs) return;
      const paceMs = pacer?.waitMs(nowMs) ?? 0;
      if (paceMs > 0) {
        await waitForWake(sub, offset, Math.min(paceMs, deadlineMs - nowMs), false);
        continue;
      }
      let read: ReadResult;
      try {
        const limits = { recordCountMax: subscriptionEventRecordsMax, bytesMax: subscriptionEventBytesMax };
        read = await sharedRead(log, offset, limits, context.encryption.readOptions(state.stream));
      } catch (error) {
        // A log closed under the read: the stream was deleted, or the server is stopping.
        const after = standing(sub);
        if (after.live) throw error;
        if (after.event) yield after.event;
        return;
      }
      // Retention may have moved the start past the position; the read skipped to it.
      offset = read.nextOffset;
      if (read.records.length > 0) {
        pacer?.charge(recordBytes(read.records));
        heartbeatDue = false;
        yield dataEvent(state.shard, log, read);
        continue;
      }
      if (state.shard.endingSequenceNumber !== undefined && offset >= log.endOffset()) {
        yield shardEndEvent(state.stream, state.shard);
        return;
      }
      if (heartbeatDue) {
        heartbeatDue = false;
        yield heartbeatEvent(state.shard, offset);
        continue;
      }
      const heartbeatMs = timing.subscriptionHeartbeatMs;
      heartbeatDue = await waitForWake(sub, offset, Math.min(heartbeatMs, deadlineMs - nowMs), true);
    }
  } finally {
    sub.lease.release();
  }
}

/**
 * The subscription's events. Ending the iteration early (the client left before the first event)
 * releases the consumer's slot too: a generator that never started skips its own `finally`.
 */
export function subscriptionStream(sub: Subscription): AsyncIterable<StreamEvent> {
  return {
    [Symbol.asyncIterator]: () => {
      const events = subscriptionEvents(sub);
      return {
        next: () => events.next(),
        return: (value?: unknown) => {
          sub.lease.release();
          return events.return(value as undefined);
        },
      };
    },
  };
}
