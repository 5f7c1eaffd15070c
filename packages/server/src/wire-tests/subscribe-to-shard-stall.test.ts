/**
 * Acceptance: a stalled subscriber does not grow the server's memory. A client subscribes through
 * the AWS SDK (HTTP/2), takes the first event and then reads nothing, while the test writes
 * TRIBUTARY_STALL_TEST_MB megabytes (default 200; the full run is 1024) into the shard.
 * The server holds the subscription back with HTTP/2 flow control and reads from storage only
 * what the client can take, so its resident set (/proc/<pid>/status VmRSS) stays within
 * rssGrowthBytesMax of what it was before the writes. Then the client reads again and gets the
 * records from the first one on, in order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { SubscribeToShardCommand, type SubscribeToShardEventStream } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { createStreamJson, expectSuccess } from '../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { registerActiveConsumer } from '../testing/subscriptions.js';

const megabyte = 1024 * 1024;
/** How much the stalled subscription's shard receives (TRIBUTARY_STALL_TEST_MB, default 200). */
const writtenBytes = Number(process.env.TRIBUTARY_STALL_TEST_MB ?? '200') * megabyte;
/** Written first, before the baseline, so that allocators and heaps reach their working size. */
const warmUpBytes = 50 * megabyte;
/** What the server's RSS may grow by while the subscriber is stalled. */
const rssGrowthBytesMax = 64 * megabyte;
/** One PutRecords call: 100 records of 50 KiB (5 MB of data, 6.7 MB of base64 JSON). */
const recordsPerCall = 100;
const recordBytes = 50 * 1024;

function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

describe('a stalled SubscribeToShard subscriber', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ args: ['--durability', 'os'] });
  });
  after(async () => {
    await server.stop();
  });

  test(`does not raise the server's RSS by more than 64 MB while ${writtenBytes / megabyte} MB are written`, async (t) => {
    await createStreamJson(server.url, 'stalled', 1);
    const consumerArn = await registerActiveConsumer(server.url, 'stalled', 'sleeper');
    const client = kinesisClient(server.url);
    const abort = new AbortController();
    try {
      const answer = await client.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: 'shardId-000000000000',
          StartingPosition: { Type: 'TRIM_HORIZON' },
        }),
        { abortSignal: abort.signal },
      );
      const events = (answer.EventStream as AsyncIterable<SubscribeToShardEventStream>)[Symbol.asyncIterator]();
      assert.deepEqual((await events.next()).value?.SubscribeToShardEvent?.Records, []);
      // From here the client reads nothing: its HTTP/2 window fills and stays full.

      let callIndex = 0;
      const putCall = async (): Promise<void> => {
        const records = Array.from({ length: recordsPerCall }, (_, index) => {
          const data = Buffer.alloc(recordBytes, callIndex % 251);
          data.writeUInt32BE(callIndex * recordsPerCall + index, 0);
          return { PartitionKey: 'k', Data: data.toString('base64') };
        });
        callIndex++;
        const put = await expectSuccess(server.url, 'PutRecords', { StreamName: 'stalled', Records: records });
        assert.equal(put.FailedRecordCount, 0);
      };
      const bytesPerCall = recordsPerCall * recordBytes;
      for (let written = 0; written < warmUpBytes; written += bytesPerCall) await putCall();
      const baseline = residentBytes(server.pid);
      let peak = baseline;
      for (let written = 0; written < writtenBytes; written += bytesPerCall) {
        await putCall();
        peak = Math.max(peak, residentBytes(server.pid));
      }
      t.diagnostic(
        `server RSS: baseline ${(baseline / megabyte).toFixed(1)} MB, peak ${(peak / megabyte).toFixed(1)} MB ` +
          `(+${((peak - baseline) / megabyte).toFixed(1)} MB) over ${callIndex} PutRecords calls`,
      );
      assert.ok(
        peak - baseline < rssGrowthBytesMax,
        `RSS grew by ${((peak - baseline) / megabyte).toFixed(1)} MB (limit ${rssGrowthBytesMax / megabyte} MB)`,
      );

      // The stalled subscriber resumes where it stopped: the first records, in order.
      const expected = 2 * recordsPerCall;
      const seen: number[] = [];
      while (seen.length < expected) {
        const next = await events.next();
        assert.ok(!next.done, 'the subscription is still open');
        for (const record of next.value.SubscribeToShardEvent?.Records ?? []) {
          seen.push(Buffer.from(record.Data ?? new Uint8Array()).readUInt32BE(0));
        }
      }
      assert.deepEqual(
        seen.slice(0, expected),
        Array.from({ length: expected }, (_, index) => index),
      );
    } finally {
      abort.abort();
      client.destroy();
    }
  });
});
