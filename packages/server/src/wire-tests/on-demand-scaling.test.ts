/**
 * Acceptance (issue 4): an ON_DEMAND stream driven above one shard's capacity (small configured
 * thresholds stand in for 1,000 records/s) splits; once the writes stop it goes cold and merges;
 * DescribeStreamSummary and ListShards follow every step, the decisions are logged, and a reader
 * walking the lineage reads every acknowledged record once, each key in order.
 *
 * The scaler runs on the real clock here, so the test polls (bounded) for each step instead of
 * asserting when it happens; the exact decisions are pinned on a hand-moved clock in
 * on-demand-scaler.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { ContinuousWriter } from '../testing/continuous-writer.js';
import { assertReadExactlyOnceInOrder, readByLineage } from '../testing/lineage-reader.js';
import { assertOpenShardsTile, listAllShards, sdkLineageCalls } from '../testing/sdk-lineage.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { waitForActive } from '../testing/streams.js';

const scalingArgs = [
  '--on-demand-split-records-per-second',
  '50',
  '--on-demand-window-ms',
  '1000',
  '--on-demand-merge-quiet-ms',
  '1500',
  '--on-demand-check-interval-ms',
  '100',
];
/** How long a step may take before the test gives up (the scaler needs a window or a quiet period). */
const stepWaitMsMax = 30_000;
const pollIntervalMs = 50;

let server: ServerProcess;
let client: KinesisClient;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: scalingArgs });
  client = kinesisClient(server.url);
});
after(async () => {
  client?.destroy();
  await server?.stop();
});

async function listedOpenCount(streamName: string): Promise<number> {
  const shards = await listAllShards(client, streamName);
  assertOpenShardsTile(shards);
  return shards.filter((shard) => shard.SequenceNumberRange?.EndingSequenceNumber === undefined).length;
}

/**
 * The open shard count, checked against DescribeStreamSummary. The scaler may act between two
 * calls, so the summary is compared when ListShards answered the same before and after it.
 */
async function openShardCount(streamName: string): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await listedOpenCount(streamName);
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if ((await listedOpenCount(streamName)) !== before) continue;
    assert.equal(
      summary.StreamDescriptionSummary?.OpenShardCount,
      before,
      'DescribeStreamSummary agrees with ListShards',
    );
    return before;
  }
  throw new Error(`the shards of ${streamName} kept changing`);
}

/** Polls (bounded) until `done` holds. */
async function waitUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  const startMs = Date.now();
  while (!(await done())) {
    assert.ok(Date.now() - startMs < stepWaitMsMax, `${what} within ${stepWaitMsMax} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

describe('an ON_DEMAND stream scales itself', () => {
  const streamName = 'auto-scaled';
  let writer: ContinuousWriter;

  test('starts with four shards and splits a shard written above its capacity', async () => {
    await client.send(
      new CreateStreamCommand({ StreamName: streamName, StreamModeDetails: { StreamMode: 'ON_DEMAND' } }),
    );
    await waitForActive(client, streamName);
    assert.equal(await openShardCount(streamName), 4);
    writer = new ContinuousWriter(client, streamName, { keyCount: 16, loopCount: 4 });
    await waitUntil('a split', async () => (await openShardCount(streamName)) > 4);
    await writer.stop();
    assert.match(server.output(), /on-demand stream auto-scaled: split shardId-\d{12} \(\d+ records\/s/);
  });

  test('goes cold and merges back to four shards', async () => {
    await waitUntil('merges back to four shards', async () => (await openShardCount(streamName)) === 4);
    const shards = await listAllShards(client, streamName);
    assert.ok(
      shards.some((shard) => shard.AdjacentParentShardId !== undefined),
      'a merge made a child of two',
    );
    assert.match(server.output(), /on-demand stream auto-scaled: merged shardId-\d{12} and shardId-\d{12}/);
  });

  test('lost no record: a lineage reader reads every acknowledged record once, each key in order', async () => {
    const read = await readByLineage(sdkLineageCalls(client, streamName));
    assert.equal(read.records.length, writer.count);
    assertReadExactlyOnceInOrder(read, writer.acknowledged);
  });
});
