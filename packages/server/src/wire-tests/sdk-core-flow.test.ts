/**
 * Acceptance: the core flow through @aws-sdk/client-kinesis against a real server process, with
 * the SDK's default handler (HTTP/2 cleartext with prior knowledge) and with NodeHttpHandler
 * (HTTP/1.1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type _Record,
  AddTagsToStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { kinesisClient, type Transport } from '../testing/clients.js';
import { seededBytes, seededRandom } from '../testing/random.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { createActiveStream, readShardFrom } from '../testing/streams.js';

const recordCount = 500;
const recordBytes = 1024;

for (const transport of ['h2', 'http1'] as const satisfies readonly Transport[]) {
  describe(`core flow over ${transport === 'h2' ? 'HTTP/2 (SDK default handler)' : 'HTTP/1.1 (NodeHttpHandler)'}`, () => {
    let server: ServerProcess;
    before(async () => {
      server = await startServerProcess();
    });
    after(async () => {
      await server.stop();
    });

    test('create, put 500 × 1 KiB, read back from every shard with every iterator type, manage, delete', async () => {
      const client = kinesisClient(server.url, transport);
      const streamName = `core-flow-${transport}`;
      await createActiveStream(client, streamName, 4);

      const random = seededRandom(transport === 'h2' ? 1 : 2);
      const sent = Array.from({ length: recordCount }, (_, index) => ({
        PartitionKey: `key-${index}`,
        Data: seededBytes(random, recordBytes),
      }));
      const put = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: sent }));
      assert.equal(put.FailedRecordCount, 0);
      assert.equal(put.Records?.length, recordCount);

      // What each shard must hold, in the order the records were sent.
      const expected = new Map<string, Array<{ data: Buffer; key: string; sequence: string }>>();
      put.Records?.forEach((result, index) => {
        assert.ok(result.ShardId && result.SequenceNumber, `record ${index} has a shard and sequence number`);
        const list = expected.get(result.ShardId) ?? [];
        list.push({ data: sent[index]?.Data as Buffer, key: `key-${index}`, sequence: result.SequenceNumber });
        expected.set(result.ShardId, list);
      });
      assert.equal(expected.size, 4, '500 distinct keys reach all four shards');

      const described = await client.send(new DescribeStreamCommand({ StreamName: streamName }));
      const shards = described.StreamDescription?.Shards ?? [];
      assert.equal(shards.length, 4);
      for (const shard of shards) {
        const shardId = shard.ShardId as string;
        const want = expected.get(shardId) ?? [];
        const got = await readShardFrom(client, streamName, shardId, { ShardIteratorType: 'TRIM_HORIZON' });
        assert.deepEqual(
          got.map((record) => [
            record.PartitionKey,
            record.SequenceNumber,
            Buffer.from(record.Data ?? []).toString('hex'),
          ]),
          want.map((item) => [item.key, item.sequence, item.data.toString('hex')]),
          `shard ${shardId} returns exactly what was put, in order`,
        );
        // Sequence numbers compare as big integers and increase.
        for (let index = 1; index < got.length; index++) {
          assert.ok(BigInt(got[index]?.SequenceNumber ?? 0) > BigInt(got[index - 1]?.SequenceNumber ?? 0));
        }

        const middle = want[Math.floor(want.length / 2)];
        assert.ok(middle);
        const at = await readShardFrom(client, streamName, shardId, {
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: middle.sequence,
        });
        assert.equal(at[0]?.SequenceNumber, middle.sequence);
        assert.equal(at.length, want.length - Math.floor(want.length / 2));
        const afterMiddle = await readShardFrom(client, streamName, shardId, {
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: middle.sequence,
        });
        assert.equal(afterMiddle.length, at.length - 1);
        assert.equal(afterMiddle[0]?.SequenceNumber, at[1]?.SequenceNumber);

        const first = got[0] as _Record;
        const byTime = await readShardFrom(client, streamName, shardId, {
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: first.ApproximateArrivalTimestamp as Date,
        });
        assert.equal(
          byTime[0]?.SequenceNumber,
          first.SequenceNumber,
          'AT_TIMESTAMP starts at the first record at that time',
        );
      }

      // LATEST sees only what comes after it.
      const firstShard = shards[0]?.ShardId as string;
      const { GetShardIteratorCommand } = await import('@aws-sdk/client-kinesis');
      const latest = await client.send(
        new GetShardIteratorCommand({ StreamName: streamName, ShardId: firstShard, ShardIteratorType: 'LATEST' }),
      );
      const hashKey = shards[0]?.HashKeyRange?.StartingHashKey as string;
      const single = await client.send(
        new PutRecordCommand({
          StreamName: streamName,
          PartitionKey: 'late',
          ExplicitHashKey: hashKey,
          Data: Buffer.from('late record'),
        }),
      );
      assert.equal(single.ShardId, firstShard);
      const { GetRecordsCommand } = await import('@aws-sdk/client-kinesis');
      const afterLatest = await client.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator }));
      assert.deepEqual(
        afterLatest.Records?.map((record) => [record.SequenceNumber, Buffer.from(record.Data ?? []).toString()]),
        [[single.SequenceNumber, 'late record']],
      );

      // Addressing by ARN.
      const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      const arn = summary.StreamDescriptionSummary?.StreamARN as string;
      assert.equal(arn, `arn:aws:kinesis:us-east-1:000000000000:stream/${streamName}`);
      const byArn = await client.send(
        new PutRecordCommand({ StreamARN: arn, PartitionKey: 'arn', Data: Buffer.from('by arn') }),
      );
      assert.ok(byArn.SequenceNumber);
      const summaryByArn = await client.send(new DescribeStreamSummaryCommand({ StreamARN: arn }));
      assert.equal(summaryByArn.StreamDescriptionSummary?.OpenShardCount, 4);

      // Tags.
      await client.send(new AddTagsToStreamCommand({ StreamName: streamName, Tags: { team: 'data', env: 'test' } }));
      await client.send(new RemoveTagsFromStreamCommand({ StreamName: streamName, TagKeys: ['env'] }));
      const tags = await client.send(new ListTagsForStreamCommand({ StreamName: streamName }));
      assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'data' }]);
      assert.equal(tags.HasMoreTags, false);

      // Retention.
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: streamName, RetentionPeriodHours: 48 }));
      let retention = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      assert.equal(retention.StreamDescriptionSummary?.RetentionPeriodHours, 48);
      await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: streamName, RetentionPeriodHours: 24 }));
      retention = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
      assert.equal(retention.StreamDescriptionSummary?.RetentionPeriodHours, 24);

      // Pagination: streams, shards and DescribeStream's shard pages.
      await createActiveStream(client, `${streamName}-second`, 1);
      const page1 = await client.send(new ListStreamsCommand({ Limit: 1 }));
      assert.equal(page1.StreamNames?.length, 1);
      assert.equal(page1.HasMoreStreams, true);
      const page2 = await client.send(new ListStreamsCommand({ NextToken: page1.NextToken }));
      assert.deepEqual(
        [...(page1.StreamNames ?? []), ...(page2.StreamNames ?? [])].sort(),
        [streamName, `${streamName}-second`].sort(),
      );
      assert.equal(page2.StreamSummaries?.[0]?.StreamStatus, 'ACTIVE');
      const shardIds: string[] = [];
      let nextToken: string | undefined;
      for (let call = 0; call < 10; call++) {
        const page = await client.send(
          nextToken
            ? new ListShardsCommand({ NextToken: nextToken })
            : new ListShardsCommand({ StreamName: streamName, MaxResults: 3 }),
        );
        shardIds.push(...(page.Shards ?? []).map((shard) => shard.ShardId as string));
        nextToken = page.NextToken;
        if (!nextToken) break;
      }
      assert.deepEqual(
        shardIds,
        shards.map((shard) => shard.ShardId),
      );
      const limited = await client.send(new DescribeStreamCommand({ StreamName: streamName, Limit: 2 }));
      assert.equal(limited.StreamDescription?.Shards?.length, 2);
      assert.equal(limited.StreamDescription?.HasMoreShards, true);
      const rest = await client.send(
        new DescribeStreamCommand({
          StreamName: streamName,
          ExclusiveStartShardId: limited.StreamDescription?.Shards?.[1]?.ShardId,
        }),
      );
      assert.deepEqual(
        rest.StreamDescription?.Shards?.map((shard) => shard.ShardId),
        shardIds.slice(2),
      );

      // Delete: the stream goes away.
      await client.send(new DeleteStreamCommand({ StreamName: streamName }));
      let gone = false;
      for (let attempt = 0; attempt < 200 && !gone; attempt++) {
        try {
          await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
          await new Promise((resolve) => setTimeout(resolve, 10));
        } catch (error) {
          assert.ok(error instanceof ResourceNotFoundException);
          assert.equal(error.message, `Stream ${streamName} under account 000000000000 not found.`);
          gone = true;
        }
      }
      assert.ok(gone, 'the deleted stream disappears');
      client.destroy();
    });
  });
}
