import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { FetchedBatch } from './fetcher.js';
import { pollingFetcher } from './polling.js';

type Step = { expect: string; answer: Record<string, unknown> } | { expect: string; fail: string };

/** A KinesisClient stand-in that answers a script and records the calls it got. */
function scriptedClient(steps: Step[]): { client: KinesisClient; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (command: unknown) => {
      let call: string;
      if (command instanceof GetShardIteratorCommand) {
        const input = command.input;
        call = `GetShardIterator ${input.ShardIteratorType}${input.StartingSequenceNumber ? ` ${input.StartingSequenceNumber}` : ''}`;
      } else if (command instanceof GetRecordsCommand) {
        call = `GetRecords ${command.input.ShardIterator}`;
      } else {
        throw new Error('unexpected command');
      }
      calls.push(call);
      const step = steps.shift();
      assert.ok(step, `no answer scripted for ${call}`);
      assert.equal(call, step.expect);
      if ('fail' in step) {
        const error = new Error(step.fail);
        error.name = step.fail;
        throw error;
      }
      return step.answer;
    },
  } as unknown as KinesisClient;
  return { client, calls };
}

const record = (sequenceNumber: string) => ({
  SequenceNumber: sequenceNumber,
  PartitionKey: 'k',
  Data: new Uint8Array(),
});

async function readAll(client: KinesisClient, errors: string[]): Promise<FetchedBatch[]> {
  const fetch = pollingFetcher({
    kinesis: client,
    stream: { StreamName: 's' },
    maxRecords: 100,
    idleTimeBetweenReadsMs: 1,
    onError: (error) => errors.push((error as Error).name),
  });
  const batches: FetchedBatch[] = [];
  for await (const batch of fetch('shard-a', { type: 'TRIM_HORIZON' }, new AbortController().signal))
    batches.push(batch);
  return batches;
}

describe('polling retrieval', () => {
  test('an expired iterator is replaced by one after the last record read; throttling retries the same iterator', async () => {
    const { client, calls } = scriptedClient([
      { expect: 'GetShardIterator TRIM_HORIZON', answer: { ShardIterator: 'it-1' } },
      {
        expect: 'GetRecords it-1',
        answer: { Records: [record('10'), record('11')], NextShardIterator: 'it-2', MillisBehindLatest: 5 },
      },
      { expect: 'GetRecords it-2', fail: 'ExpiredIteratorException' },
      { expect: 'GetShardIterator AFTER_SEQUENCE_NUMBER 11', answer: { ShardIterator: 'it-3' } },
      { expect: 'GetRecords it-3', fail: 'ProvisionedThroughputExceededException' },
      { expect: 'GetRecords it-3', answer: { Records: [], NextShardIterator: 'it-4', MillisBehindLatest: 0 } },
      {
        expect: 'GetRecords it-4',
        answer: { Records: [record('12')], ChildShards: [{ ShardId: 'shard-b', ParentShards: ['shard-a'] }] },
      },
    ]);
    const errors: string[] = [];
    const batches = await readAll(client, errors);
    assert.equal(calls.length, 7);
    assert.deepEqual(
      batches.map((batch) => [
        batch.records.map((r) => r.SequenceNumber),
        batch.shardEnded,
        batch.childShards.map((c) => c.ShardId),
      ]),
      [
        [['10', '11'], false, []],
        [[], false, []],
        [['12'], true, ['shard-b']],
      ],
    );
    assert.equal(batches[0]?.millisBehindLatest, 5);
    assert.deepEqual(errors, [], 'expiry and throttling are routine, not errors');
  });

  test('other failures are reported and retried', async () => {
    const { client } = scriptedClient([
      { expect: 'GetShardIterator TRIM_HORIZON', fail: 'InternalFailureException' },
      { expect: 'GetShardIterator TRIM_HORIZON', answer: { ShardIterator: 'it-1' } },
      { expect: 'GetRecords it-1', answer: { Records: [record('1')], ChildShards: [] } },
    ]);
    const errors: string[] = [];
    const batches = await readAll(client, errors);
    assert.deepEqual(errors, ['InternalFailureException']);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]?.shardEnded, true);
  });
});
