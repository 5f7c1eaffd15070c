/**
 * Acceptance: enhanced fan-out through @aws-sdk/client-kinesis, consuming SubscribeToShard's
 * EventStream as an async iterable, over HTTP/2 (the SDK's default handler) and HTTP/1.1
 * (NodeHttpHandler). Subscriptions here last 2 s (`--subscription-lifetime-ms`), so each one ends
 * by itself, as AWS's do after 5 minutes, and the client resumes from ContinuationSequenceNumber.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  DescribeStreamConsumerCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEvent,
} from '@aws-sdk/client-kinesis';
import { kinesisClient, type Transport } from '../testing/clients.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { createActiveStream, waitForActive } from '../testing/streams.js';
import { compareSequences } from '../testing/subscriptions.js';

const lifetimeMs = 2000;
const shardId = 'shardId-000000000000';
const pollsMax = 500;
const arnOf = (name: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;

async function activeConsumer(client: KinesisClient, streamName: string, consumerName: string): Promise<string> {
  const registered = await client.send(
    new RegisterStreamConsumerCommand({ StreamARN: arnOf(streamName), ConsumerName: consumerName }),
  );
  const arn = registered.Consumer?.ConsumerARN ?? '';
  for (let poll = 0; poll < pollsMax; poll++) {
    const described = await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }));
    if (described.ConsumerDescription?.ConsumerStatus === 'ACTIVE') return arn;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`consumer ${consumerName} did not become ACTIVE`);
}

async function putNumbered(client: KinesisClient, streamName: string, from: number, count: number): Promise<void> {
  const batch = 25;
  for (let start = from; start < from + count; start += batch) {
    const records = [];
    for (let index = start; index < Math.min(start + batch, from + count); index++) {
      records.push({ PartitionKey: `key-${index % 7}`, Data: Buffer.from(`record-${index}`) });
    }
    const answer = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
    assert.equal(answer.FailedRecordCount, 0);
  }
}

interface Received {
  readonly events: SubscribeToShardEvent[];
  readonly data: string[];
  readonly sequences: string[];
}

/** Reads the subscription until the server ends it (or `stopWhen` says enough, over HTTP/2). */
async function readSubscription(
  client: KinesisClient,
  consumerArn: string,
  position: StartingPosition,
  options: { onStarted?: () => void; stopWhen?: (received: Received) => boolean; shard?: string } = {},
): Promise<Received> {
  const abort = new AbortController();
  const answer = await client.send(
    new SubscribeToShardCommand({
      ConsumerARN: consumerArn,
      ShardId: options.shard ?? shardId,
      StartingPosition: position,
    }),
    { abortSignal: abort.signal },
  );
  options.onStarted?.();
  const received: Received = { events: [], data: [], sequences: [] };
  for await (const item of answer.EventStream ?? []) {
    const event = item.SubscribeToShardEvent;
    if (!event) continue;
    received.events.push(event);
    for (const record of event.Records ?? []) {
      received.data.push(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
      received.sequences.push(record.SequenceNumber ?? '');
    }
    if (options.stopWhen?.(received)) {
      abort.abort();
      break;
    }
  }
  return received;
}

function assertStrictlyIncreasing(sequences: readonly string[]): void {
  for (let index = 1; index < sequences.length; index++) {
    assert.equal(compareSequences(sequences[index - 1] ?? '', sequences[index] ?? ''), -1, `sequence ${index} grows`);
  }
}

describe('SubscribeToShard through the AWS SDK', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ args: ['--subscription-lifetime-ms', String(lifetimeMs)] });
  });
  after(async () => {
    await server.stop();
  });

  for (const transport of ['h2', 'http1'] satisfies Transport[]) {
    const label = transport === 'h2' ? 'HTTP/2 (default handler)' : 'HTTP/1.1 (NodeHttpHandler)';
    test(`over ${label}: every record arrives once and in order, and a resubscription from ContinuationSequenceNumber misses nothing`, async () => {
      const client = kinesisClient(server.url, transport);
      try {
        const stream = `fanout-${transport}`;
        await createActiveStream(client, stream, 1);
        const consumerArn = await activeConsumer(client, stream, 'reader');
        let writing: Promise<void> = Promise.resolve();
        const first = await readSubscription(
          client,
          consumerArn,
          { Type: 'TRIM_HORIZON' },
          {
            // Pushed while the subscription is open: each append wakes it.
            onStarted: () => {
              writing = putNumbered(client, stream, 0, 150);
            },
          },
        );
        await writing;
        // Written while nobody is subscribed: the resubscription must pick these up too.
        await putNumbered(client, stream, 150, 50);
        const continuation = first.events.at(-1)?.ContinuationSequenceNumber ?? '';
        const second = await readSubscription(client, consumerArn, {
          Type: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: continuation,
        });
        const data = [...first.data, ...second.data];
        assert.deepEqual(
          data,
          Array.from({ length: 200 }, (_, index) => `record-${index}`),
        );
        assertStrictlyIncreasing([...first.sequences, ...second.sequences]);
        for (const event of [...first.events, ...second.events]) {
          assert.equal(typeof event.ContinuationSequenceNumber, 'string', 'every event carries a continuation');
          const last = event.Records?.at(-1)?.SequenceNumber;
          if (last !== undefined) assert.equal(event.ContinuationSequenceNumber, last);
        }
        const continuations = [...first.events, ...second.events].map(
          (event) => event.ContinuationSequenceNumber ?? '',
        );
        for (let index = 1; index < continuations.length; index++) {
          assert.ok(
            compareSequences(continuations[index - 1] ?? '', continuations[index] ?? '') <= 0,
            'continuations advance',
          );
        }
        assert.equal(continuations.at(-1), second.sequences.at(-1));
      } finally {
        client.destroy();
      }
    });
  }

  test('AT_TIMESTAMP starts at the first record that arrived at or after the timestamp', async () => {
    const client = kinesisClient(server.url);
    try {
      const stream = 'fanout-at-timestamp';
      await createActiveStream(client, stream, 1);
      const consumerArn = await activeConsumer(client, stream, 'reader');
      await putNumbered(client, stream, 0, 3);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await putNumbered(client, stream, 3, 3);
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      const all = await client.send(new GetRecordsCommand({ ShardIterator }));
      const timestamp = all.Records?.[3]?.ApproximateArrivalTimestamp;
      assert.ok(timestamp instanceof Date);
      assert.ok((all.Records?.[2]?.ApproximateArrivalTimestamp?.getTime() ?? 0) < timestamp.getTime());
      const received = await readSubscription(
        client,
        consumerArn,
        { Type: 'AT_TIMESTAMP', Timestamp: timestamp },
        {
          stopWhen: (got) => got.data.length >= 3,
        },
      );
      assert.deepEqual(received.data, ['record-3', 'record-4', 'record-5']);
    } finally {
      client.destroy();
    }
  });

  test('a closed shard ends with ChildShards and without ContinuationSequenceNumber once drained', async () => {
    const client = kinesisClient(server.url);
    try {
      const stream = 'fanout-split';
      await createActiveStream(client, stream, 1);
      const consumerArn = await activeConsumer(client, stream, 'reader');
      await putNumbered(client, stream, 0, 4);
      await client.send(
        new SplitShardCommand({
          StreamName: stream,
          ShardToSplit: shardId,
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      await waitForActive(client, stream);
      const received = await readSubscription(client, consumerArn, { Type: 'TRIM_HORIZON' });
      assert.deepEqual(received.data, ['record-0', 'record-1', 'record-2', 'record-3']);
      const last = received.events.at(-1);
      assert.equal(last?.ContinuationSequenceNumber, undefined);
      assert.deepEqual(
        last?.ChildShards?.map((child) => child.ShardId),
        ['shardId-000000000001', 'shardId-000000000002'],
      );
    } finally {
      client.destroy();
    }
  });
});

describe('SubscribeToShard takeover through the AWS SDK (HTTP/2)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ inMemory: true });
  });
  after(async () => {
    await server.stop();
  });

  test('a second call within 5 s is ResourceInUseException; 5 s later it takes over and the first fails with it', async () => {
    const client = kinesisClient(server.url);
    try {
      await createActiveStream(client, 'takeover', 1);
      const consumerArn = await activeConsumer(client, 'takeover', 'reader');
      const position: StartingPosition = { Type: 'LATEST' };
      let started = (): void => undefined;
      const running = new Promise<void>((resolve) => {
        started = resolve;
      });
      const first = readSubscription(client, consumerArn, position, { onStarted: () => started() }).then(
        () => 'ended cleanly',
        (error: unknown) => (error as Error).name,
      );
      await running;
      await assert.rejects(readSubscription(client, consumerArn, position), {
        name: 'ResourceInUseException',
        message: `Another active subscription exists for this consumer: ${consumerArn}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 5000));
      const second = await readSubscription(client, consumerArn, position, { stopWhen: () => true });
      assert.equal(second.events.length, 1);
      assert.equal(await first, 'ResourceInUseException');
    } finally {
      client.destroy();
    }
  });
});
