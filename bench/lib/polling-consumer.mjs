/**
 * The polling consumer of the fan-out comparison (what a Kinesis emulator without SubscribeToShard
 * leaves a consumer): for each shard, GetRecords back to back from a LATEST iterator on its own
 * connection, handing every answer's records to `onRecords(records, arrivedAt)`.
 */
import { performance } from 'node:perf_hooks';
import { KinesisCallError, KinesisClient, shardIterator } from './kinesis-client.mjs';

export async function pollConsumers(url, streamName, shardIds, onRecords) {
  let running = true;
  const clients = [];
  const loops = [];
  for (const shardId of shardIds) {
    const client = new KinesisClient(url);
    clients.push(client);
    let iterator = await shardIterator(client, { streamName, shardId, type: 'LATEST' });
    loops.push(
      (async () => {
        while (running && iterator) {
          const { statusCode, body } = await client.send('GetRecords', Buffer.from(`{"ShardIterator":"${iterator}"}`));
          const arrivedAt = performance.now();
          if (!running) return;
          if (statusCode !== 200) throw new KinesisCallError('GetRecords', statusCode, body);
          const answer = JSON.parse(body.toString('utf8'));
          if (answer.Records.length > 0) onRecords(answer.Records, arrivedAt);
          iterator = answer.NextShardIterator;
        }
      })().catch(() => undefined),
    );
  }
  return {
    close() {
      running = false;
      for (const client of clients) void client.close();
    },
  };
}
