/**
 * Enhanced fan-out retrieval: SubscribeToShard, read as the SDK's async iterable of events. A
 * subscription ends by itself after 5 minutes (AWS) and is renewed from the last
 * ContinuationSequenceNumber; the final event of a closed shard has no continuation and carries
 * ChildShards instead. ResourceInUseException (a subscription of this consumer to this shard is
 * still running, e.g. one of a worker that just lost the lease) is retried with back-off: after
 * 5 seconds a new subscription takes the old one over.
 */
import {
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
  type StartingPosition as SdkStartingPosition,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import type { StreamReference } from '../shard-sync.js';
import { Backoff, errorName, isAbort, sleep } from '../timing.js';
import type { FetchErrorReporter, FetchedBatch, ShardFetcher, StartingPosition } from './fetcher.js';

const backoffInitialMs = 500;
const backoffMaxMs = 5000;
/** SubscribeToShard allows one call per second per consumer and shard (API_SubscribeToShard). */
const resourceInUseRetryMs = 1000;
/** Polls of DescribeStreamConsumer while a consumer is CREATING (AWS takes seconds). */
const consumerActivePollsMax = 600;
const consumerActivePollMs = 100;

export interface FanOutOptions {
  readonly kinesis: KinesisClient;
  readonly consumerArn: string;
  readonly onError: FetchErrorReporter;
}

export function fanOutFetcher(options: FanOutOptions): ShardFetcher {
  return (shardId, start, signal) => subscribeShard(options, shardId, start, signal);
}

async function* subscribeShard(
  options: FanOutOptions,
  shardId: string,
  start: StartingPosition,
  signal: AbortSignal,
): AsyncGenerator<FetchedBatch, void, undefined> {
  const backoff = new Backoff(backoffInitialMs, backoffMaxMs);
  let position: SdkStartingPosition = sdkPosition(start);
  while (!signal.aborted) {
    try {
      const answer = await options.kinesis.send(
        new SubscribeToShardCommand({ ConsumerARN: options.consumerArn, ShardId: shardId, StartingPosition: position }),
        { abortSignal: signal },
      );
      for await (const event of answer.EventStream ?? []) {
        const update = event.SubscribeToShardEvent;
        if (update === undefined) throw eventError(event);
        backoff.reset();
        const continuation = update.ContinuationSequenceNumber;
        const shardEnded = continuation === undefined || continuation === null;
        yield {
          records: update.Records ?? [],
          millisBehindLatest: update.MillisBehindLatest ?? 0,
          shardEnded,
          childShards: shardEnded ? (update.ChildShards ?? []) : [],
        };
        if (shardEnded) return;
        position = { Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuation };
      }
      // The subscription's lifetime is over: renew it from the continuation at once.
    } catch (error) {
      if (isAbort(error, signal)) return;
      if (errorName(error) === 'ResourceInUseException') {
        // Another subscription (of the worker that held the lease before) is still running; AWS lets
        // a new one take over 5 s after it started, and allows one call per second per shard.
        await sleep(resourceInUseRetryMs, signal);
        continue;
      }
      options.onError(error, 'fetching', shardId);
      await sleep(backoff.nextDelayMs(), signal);
    }
  }
}

function sdkPosition(start: StartingPosition): SdkStartingPosition {
  switch (start.type) {
    case 'AT_SEQUENCE_NUMBER':
      return { Type: 'AT_SEQUENCE_NUMBER', SequenceNumber: start.sequenceNumber };
    case 'AT_TIMESTAMP':
      return { Type: 'AT_TIMESTAMP', Timestamp: start.timestamp };
    default:
      return { Type: start.type };
  }
}

/** An event-stream member other than SubscribeToShardEvent is a modeled exception: raise it. */
function eventError(event: object): Error {
  const [name, value] = Object.entries(event).find(([, member]) => member !== undefined) ?? ['UnknownEvent', {}];
  const message = typeof value === 'object' && value !== null && 'message' in value ? String(value.message) : name;
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The ARN of the stream consumer `consumerName`, registering it when absent; waits until it is ACTIVE. */
export async function ensureStreamConsumer(
  kinesis: KinesisClient,
  stream: StreamReference,
  consumerName: string,
): Promise<string> {
  const streamArn =
    'StreamARN' in stream
      ? stream.StreamARN
      : (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.StreamName })))
          .StreamDescriptionSummary?.StreamARN;
  if (streamArn === undefined) throw new Error('DescribeStreamSummary returned no StreamARN');
  try {
    await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }));
  } catch (error) {
    // Registered already (by another worker of this application, or an earlier run).
    if (errorName(error) !== 'ResourceInUseException') throw error;
  }
  let status = '';
  for (let poll = 0; poll < consumerActivePollsMax; poll++) {
    const described = await kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: consumerName }),
    );
    status = described.ConsumerDescription?.ConsumerStatus ?? '';
    const arn = described.ConsumerDescription?.ConsumerARN;
    if (status === 'ACTIVE' && arn !== undefined) return arn;
    await sleep(consumerActivePollMs);
  }
  throw new Error(`stream consumer ${consumerName} is ${status}, not ACTIVE, after ${consumerActivePollsMax} polls`);
}
