/**
 * Polling retrieval: GetShardIterator, then GetRecords in a loop, as KCL's polling mode. An empty
 * answer waits idleTimeBetweenReadsMs before the next call; throttling and other failures back off;
 * an expired iterator is replaced by one after the last record read.
 */
import {
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { StreamReference } from '../shard-sync.js';
import { Backoff, errorName, isAbort, sleep } from '../timing.js';
import type { FetchErrorReporter, FetchedBatch, ShardFetcher, StartingPosition } from './fetcher.js';

/** AWS's GetRecords Limit maximum, and KCL's default maxRecords. */
export const getRecordsLimitMax = 10_000;
export const idleTimeBetweenReadsMsDefault = 1000;
const backoffInitialMs = 200;
const backoffMaxMs = 5000;

export interface PollingOptions {
  readonly kinesis: KinesisClient;
  readonly stream: StreamReference;
  readonly maxRecords: number;
  readonly idleTimeBetweenReadsMs: number;
  readonly onError: FetchErrorReporter;
}

export function pollingFetcher(options: PollingOptions): ShardFetcher {
  return (shardId, start, signal) => pollShard(options, shardId, start, signal);
}

async function* pollShard(
  options: PollingOptions,
  shardId: string,
  start: StartingPosition,
  signal: AbortSignal,
): AsyncGenerator<FetchedBatch, void, undefined> {
  const backoff = new Backoff(backoffInitialMs, backoffMaxMs);
  let iterator: string | undefined;
  let lastRead: string | undefined;
  while (!signal.aborted) {
    let answer: GetRecordsCommandOutput;
    try {
      iterator ??= await shardIterator(options, shardId, lastRead === undefined ? start : lastRead, signal);
      answer = await options.kinesis.send(
        new GetRecordsCommand({
          ShardIterator: iterator,
          Limit: options.maxRecords,
          ...('StreamARN' in options.stream ? { StreamARN: options.stream.StreamARN } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (isAbort(error, signal)) return;
      if (errorName(error) === 'ExpiredIteratorException') {
        iterator = undefined;
        continue;
      }
      if (errorName(error) !== 'ProvisionedThroughputExceededException') options.onError(error, 'fetching', shardId);
      await sleep(backoff.nextDelayMs(), signal);
      continue;
    }
    backoff.reset();
    const records = answer.Records ?? [];
    lastRead = records.at(-1)?.SequenceNumber ?? lastRead;
    iterator = answer.NextShardIterator ?? undefined;
    const shardEnded = iterator === undefined;
    yield {
      records,
      millisBehindLatest: answer.MillisBehindLatest ?? 0,
      shardEnded,
      childShards: shardEnded ? (answer.ChildShards ?? []) : [],
    };
    if (shardEnded) return;
    if (records.length === 0) await sleep(options.idleTimeBetweenReadsMs, signal);
  }
}

async function shardIterator(
  options: PollingOptions,
  shardId: string,
  from: StartingPosition | string,
  signal: AbortSignal,
): Promise<string> {
  const position: Omit<GetShardIteratorCommandInput, 'ShardId' | 'StreamName' | 'StreamARN'> =
    typeof from === 'string'
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: from }
      : from.type === 'AT_SEQUENCE_NUMBER'
        ? { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: from.sequenceNumber }
        : from.type === 'AT_TIMESTAMP'
          ? { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: from.timestamp }
          : { ShardIteratorType: from.type };
  const answer = await options.kinesis.send(
    new GetShardIteratorCommand({ ...options.stream, ShardId: shardId, ...position }),
    {
      abortSignal: signal,
    },
  );
  if (answer.ShardIterator === undefined) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
  return answer.ShardIterator;
}
