/**
 * Acceptance: stored records that rot on disk are never served. A byte flipped in a batch of a
 * running server's segment makes GetRecords over that batch answer 500 InternalFailureException
 * naming the damaged sequence range (the server log names the segment file and byte range);
 * records before and after the damaged batch are still served, and nothing is cached: once the
 * byte is right again, so is the answer.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { GetRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../testing/clients.js';
import { callJson, createStreamJson, expectSuccess } from '../testing/kinesis-json.js';
import { seededBytes, seededRandom } from '../testing/random.js';
import { startServerProcess } from '../testing/server-process.js';

function flipByte(filePath: string, position: number): void {
  const descriptor = openSync(filePath, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(descriptor, byte, 0, 1, position);
    byte[0] = (byte[0] as number) ^ 0x04;
    writeSync(descriptor, byte, 0, 1, position);
  } finally {
    closeSync(descriptor);
  }
}

describe('GetRecords over corrupt stored records', () => {
  test('answers 500 InternalFailureException naming the damaged range, and serves the records around it', async () => {
    const server = await startServerProcess();
    const client = kinesisClient(server.url);
    try {
      await createStreamJson(server.url, 'rotting', 1);
      const random = seededRandom(12);
      const sequences: string[][] = [];
      for (let call = 0; call < 3; call++) {
        const Records = Array.from({ length: 4 }, (_, index) => ({
          PartitionKey: `key-${call}-${index}`,
          Data: seededBytes(random, 100).toString('base64'),
        }));
        const answer = await expectSuccess(server.url, 'PutRecords', { StreamName: 'rotting', Records });
        sequences.push((answer.Records as Array<{ SequenceNumber: string }>).map((entry) => entry.SequenceNumber));
      }
      const logRoot = path.join(server.dataDir, 'log');
      const shardDirectory = path.join(logRoot, readdirSync(logRoot)[0] as string, '000000');
      const segment = path.join(shardDirectory, '00000000000000000000.log');
      const bytes = readFileSync(segment);
      const secondBatch = bytes.readUInt32LE(4);
      const secondBatchEnd = secondBatch + bytes.readUInt32LE(secondBatch + 4);
      flipByte(segment, secondBatch + 40 + 30);

      const iterator = async (type: string, sequence?: string): Promise<string> => {
        const answer = await expectSuccess(server.url, 'GetShardIterator', {
          StreamName: 'rotting',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: type,
          ...(sequence === undefined ? {} : { StartingSequenceNumber: sequence }),
        });
        return answer.ShardIterator as string;
      };
      const fromStart = await iterator('TRIM_HORIZON');
      const refused = await callJson(server.url, 'GetRecords', { ShardIterator: fromStart });
      assert.equal(refused.statusCode, 500);
      assert.equal(refused.body.__type, 'InternalFailureException');
      assert.equal(
        refused.body.message,
        'Stored records of shard shardId-000000000000 in stream rotting under account 000000000000 failed their ' +
          `integrity check and cannot be served: 4 records from sequence number ${sequences[1]?.[0]}.`,
      );
      assert.ok(
        server.output().includes(`corrupt log data in ${segment} bytes [${secondBatch}, ${secondBatchEnd})`),
        `the server log names the segment and byte range:\n${server.output()}`,
      );
      await assert.rejects(client.send(new GetRecordsCommand({ ShardIterator: fromStart })), (error: Error) => {
        assert.equal(error.name, 'InternalFailureException');
        assert.equal((error as { $fault?: string }).$fault, 'server');
        return true;
      });

      // Around the damage: the batch before it, and from the batch after it.
      const before = await expectSuccess(server.url, 'GetRecords', { ShardIterator: fromStart, Limit: 4 });
      assert.deepEqual(
        (before.Records as Array<{ SequenceNumber: string }>).map((record) => record.SequenceNumber),
        sequences[0],
      );
      const after = await expectSuccess(server.url, 'GetRecords', {
        ShardIterator: await iterator('AT_SEQUENCE_NUMBER', sequences[2]?.[0]),
      });
      assert.deepEqual(
        (after.Records as Array<{ SequenceNumber: string }>).map((record) => record.SequenceNumber),
        sequences[2],
      );

      flipByte(segment, secondBatch + 40 + 30);
      const healed = await expectSuccess(server.url, 'GetRecords', { ShardIterator: fromStart });
      assert.equal((healed.Records as unknown[]).length, 12, 'with the byte restored every record reads again');
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
