/** Test support: small bounded helpers over the Kinesis SDK client. */
import {
  type _Record,
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';

/** Waits (bounded) until the stream is ACTIVE, polling without sleeping longer than needed. */
export async function waitForActive(client: KinesisClient, streamName: string, attemptsMax = 200): Promise<void> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE after ${attemptsMax} polls`);
}

export async function createActiveStream(client: KinesisClient, streamName: string, shardCount: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await waitForActive(client, streamName);
}

/** Reads a shard from an iterator until a call returns nothing new (bounded by callsMax). */
export async function drainShard(
  client: KinesisClient,
  iterator: string,
  options: { limit?: number; callsMax?: number } = {},
): Promise<_Record[]> {
  const records: _Record[] = [];
  let next: string | undefined = iterator;
  for (let call = 0; call < (options.callsMax ?? 1000) && next; call++) {
    const page: GetRecordsCommandOutput = await client.send(
      new GetRecordsCommand({ ShardIterator: next, Limit: options.limit }),
    );
    records.push(...(page.Records ?? []));
    next = page.NextShardIterator;
    if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
  }
  return records;
}

export async function readShardFrom(
  client: KinesisClient,
  streamName: string,
  shardId: string,
  position: Omit<ConstructorParameters<typeof GetShardIteratorCommand>[0], 'StreamName' | 'ShardId'>,
): Promise<_Record[]> {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ...position }),
  );
  if (!ShardIterator) throw new Error('GetShardIterator returned no iterator');
  return drainShard(client, ShardIterator);
}
