/**
 * Large GetRecords answers (over 1 MiB) are written in pieces and their read chunks reused
 * (protocol/get-records-json.ts, storage/embedded/batch-cursor.ts). These tests read them back
 * byte for byte through the SDK over HTTP/2 and HTTP/1.1 and over raw JSON, several readers at
 * once, and after clients that hang up in the middle of an answer.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { kinesisClient, type Transport } from '../../../testing/clients.js';
import { createStreamJson, expectSuccess } from '../../../testing/kinesis-json.js';
import { kinesisHeaders } from '../../../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

interface Expected {
  readonly partitionKey: string;
  readonly data: Buffer;
}

/** A seeded xorshift PRNG: the same records on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

const keys = ['plain', 'größe', '🔑 key', 'quote"back\\slash', 'line\nbreak', '\u2028'];
const recordsPerCall = 500;
const callCount = 6;
const streamName = 'large-reads';

let server: ServerProcess;
const expected: Expected[] = [];

before(async () => {
  server = await startServerProcess();
  await createStreamJson(server.url, streamName, 1);
  const random = seeded(20261126);
  for (let call = 0; call < callCount; call++) {
    const records = Array.from({ length: recordsPerCall }, (_, index) => {
      // Mostly ~1 KiB, some empty, some 20 KiB: answers of several MB, pieces of uneven fill.
      const roll = random();
      const size = roll < 0.05 ? 0 : roll < 0.1 ? 20_000 : Math.floor(random() * 2048);
      const data = Buffer.alloc(size);
      for (let byte = 0; byte < size; byte++) data[byte] = Math.floor(random() * 256);
      const partitionKey = `${keys[index % keys.length]}-${call}-${index}`;
      expected.push({ partitionKey, data });
      return { PartitionKey: partitionKey, Data: data.toString('base64') };
    });
    const answer = await expectSuccess(server.url, 'PutRecords', { StreamName: streamName, Records: records });
    assert.equal(answer.FailedRecordCount, 0);
  }
});

after(async () => {
  await server.stop();
});

async function readAllWithSdk(client: KinesisClient, limit: number): Promise<Expected[]> {
  const start = await client.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  let iterator = start.ShardIterator;
  const seen: Expected[] = [];
  let lastSequence = -1n;
  for (let page = 0; iterator !== undefined && page < 100; page++) {
    const answer = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    for (const record of answer.Records ?? []) {
      const sequence = BigInt(record.SequenceNumber ?? '');
      assert.ok(sequence > lastSequence, 'sequence numbers grow');
      lastSequence = sequence;
      assert.ok(record.ApproximateArrivalTimestamp instanceof Date);
      seen.push({ partitionKey: record.PartitionKey ?? '', data: Buffer.from(record.Data ?? new Uint8Array()) });
    }
    if ((answer.Records ?? []).length === 0) break;
    iterator = answer.NextShardIterator;
  }
  return seen;
}

function assertAll(seen: readonly Expected[], label: string): void {
  assert.equal(seen.length, expected.length, `${label}: every record once`);
  seen.forEach((record, index) => {
    const want = expected[index] as Expected;
    assert.equal(record.partitionKey, want.partitionKey, `${label}: partition key of record ${index}`);
    assert.ok(record.data.equals(want.data), `${label}: data of record ${index}`);
  });
}

/** Starts a raw HTTP/1.1 GetRecords and hangs up after its first bytes arrive. */
function hangUpMidAnswer(iterator: string): Promise<void> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: kinesisHeaders('GetRecords', 'application/x-amz-json-1.1'),
      },
      (response) => {
        assert.equal(response.statusCode, 200);
        response.once('data', () => {
          request.destroy();
          resolve();
        });
      },
    );
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
    request.end(JSON.stringify({ ShardIterator: iterator }));
  });
}

describe('GetRecords answers over 1 MiB', () => {
  for (const transport of ['h2', 'http1'] as Transport[]) {
    test(`three readers at once read every byte back through the SDK over ${transport}`, async () => {
      const clients = [kinesisClient(server.url, transport), kinesisClient(server.url, transport)];
      try {
        const [big, small, again] = await Promise.all([
          readAllWithSdk(clients[0] as KinesisClient, 10_000),
          readAllWithSdk(clients[1] as KinesisClient, 700),
          readAllWithSdk(clients[0] as KinesisClient, 2_000),
        ]);
        assertAll(big, `${transport} Limit 10000`);
        assertAll(small, `${transport} Limit 700`);
        assertAll(again, `${transport} Limit 2000`);
      } finally {
        for (const client of clients) client.destroy();
      }
    });
  }

  test('clients that hang up mid-answer do not disturb the answers of others', async () => {
    const start = await expectSuccess(server.url, 'GetShardIterator', {
      StreamName: streamName,
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const iterator = start.ShardIterator as string;
    const client = kinesisClient(server.url, 'http1');
    try {
      const [seen] = await Promise.all([
        readAllWithSdk(client, 10_000),
        hangUpMidAnswer(iterator),
        hangUpMidAnswer(iterator),
      ]);
      assertAll(seen, 'beside hang-ups');
      // And after them: their chunks were never handed back while the connection held them.
      assertAll(await readAllWithSdk(client, 10_000), 'after hang-ups');
    } finally {
      client.destroy();
    }
  });
});
