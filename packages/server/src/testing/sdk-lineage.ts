/** Test support: the lineage reader's calls over the AWS SDK, and the hash-space tiling check. */
import assert from 'node:assert/strict';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { LineageCalls } from './lineage-reader.js';

const hashKeyMax = (1n << 128n) - 1n;
/** ListShards pages a test follows at most (1,000 shards each). */
const listPagesMax = 100;

/** Every shard of the stream, following NextToken. */
export async function listAllShards(client: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < listPagesMax; page++) {
    const answer = await client.send(
      new ListShardsCommand(nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken }),
    );
    shards.push(...(answer.Shards ?? []));
    nextToken = answer.NextToken;
    if (nextToken === undefined) return shards;
  }
  throw new Error(`ListShards of ${streamName} did not end after ${listPagesMax} pages`);
}

/** Asserts that the open shards (no EndingSequenceNumber) tile 0 … 2^128−1 exactly, as KCL checks. */
export function assertOpenShardsTile(shards: readonly Shard[]): void {
  const open = shards
    .filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .map((shard) => [
      BigInt(shard.HashKeyRange?.StartingHashKey ?? -1),
      BigInt(shard.HashKeyRange?.EndingHashKey ?? -1),
    ])
    .sort((a, b) => ((a[0] ?? 0n) < (b[0] ?? 0n) ? -1 : 1));
  let expected = 0n;
  for (const [start, end] of open) {
    assert.equal(start, expected, 'open shards tile the hash space without gap or overlap');
    expected = (end ?? 0n) + 1n;
  }
  assert.equal(expected, hashKeyMax + 1n, 'open shards reach the end of the hash space');
}

export function sdkLineageCalls(client: KinesisClient, streamName: string): LineageCalls {
  return {
    listShards: () =>
      listAllShards(client, streamName).then((shards) =>
        shards.map((shard) => ({ ...shard, ShardId: shard.ShardId ?? '' })),
      ),
    trimHorizonIterator: async (shardId) => {
      const answer = await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      return answer.ShardIterator ?? '';
    },
    getRecords: async (iterator) => {
      const answer = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      return {
        records: (answer.Records ?? []).map((record) => ({
          SequenceNumber: record.SequenceNumber ?? '',
          PartitionKey: record.PartitionKey ?? '',
          Data: Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'),
        })),
        nextIterator: answer.NextShardIterator,
        childShardIds: answer.ChildShards?.map((child) => child.ShardId ?? ''),
        millisBehindLatest: answer.MillisBehindLatest ?? 0,
      };
    },
  };
}
