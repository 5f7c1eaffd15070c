import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { PutRecordCommand, UpdateMaxRecordSizeCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../../../testing/clients.js';
import {
  createStreamJson,
  expectError,
  expectSerialization,
  expectSuccess,
  expectValidation,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';
import { createDeletingStreamJson, testStreamArn, transitionNeverMs } from '../../../testing/stream-lifecycle.js';
import { readShardFrom } from '../../../testing/streams.js';

const fiveMiB = 5 * 1024 * 1024;
const bigData = Buffer.alloc(fiveMiB, 0x5a);

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true, args: ['--delete-stream-ms', transitionNeverMs] });
});
after(async () => {
  await server.stop();
});

async function maxRecordSizeKiB(name: string): Promise<unknown> {
  const summary = await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: name });
  return (summary.StreamDescriptionSummary as { MaxRecordSizeInKiB: unknown }).MaxRecordSizeInKiB;
}

describe('UpdateMaxRecordSize serialization', () => {
  test('rejects a string as MaxRecordSizeInKiB', () =>
    expectSerialization(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized'), MaxRecordSizeInKiB: '2048' },
      'class java.lang.String can not be converted to an Integer',
    ));
  test('rejects a boolean as MaxRecordSizeInKiB', () =>
    expectSerialization(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized'), MaxRecordSizeInKiB: true },
      'class java.lang.Boolean can not be converted to an Integer',
    ));
  test('rejects a number as StreamARN', () =>
    expectSerialization(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: 1, MaxRecordSizeInKiB: 2048 },
      'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String',
    ));
});

describe('UpdateMaxRecordSize validation', () => {
  test('requires MaxRecordSizeInKiB', () =>
    expectValidation(server.url, 'UpdateMaxRecordSize', { StreamARN: testStreamArn('sized') }, [
      violation(null, 'maxRecordSizeInKiB', 'Member must not be null'),
    ]));
  test('refuses less than 1024 KiB', () =>
    expectValidation(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized'), MaxRecordSizeInKiB: 1023 },
      [violation('1023', 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024')],
    ));
  test('refuses more than 10240 KiB', () =>
    expectValidation(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized'), MaxRecordSizeInKiB: 10241 },
      [violation('10241', 'maxRecordSizeInKiB', 'Member must have value less than or equal to 10240')],
    ));
  test('lists every violation in the member order AWS reports', () =>
    expectValidation(server.url, 'UpdateMaxRecordSize', { MaxRecordSizeInKiB: 0, StreamId: '', StreamARN: 'sized' }, [
      violation('0', 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024'),
      violation('', 'streamId', 'Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}'),
      violation('', 'streamId', 'Member must have length greater than or equal to 1'),
      violation(
        'sized',
        'streamARN',
        'Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+',
      ),
    ]));
});

describe('UpdateMaxRecordSize behaviour', () => {
  before(async () => {
    await createStreamJson(server.url, 'sized', 1);
    await createStreamJson(server.url, 'sized-sdk', 1);
    await createDeletingStreamJson(server.url, 'sized-deleting');
  });

  test('lets a 5 MiB record in once the stream allows 10 MiB records, and not before', async () => {
    const record = { StreamName: 'sized', PartitionKey: 'k', Data: bigData.toString('base64') };
    await expectError(
      server.url,
      'PutRecord',
      record,
      'ValidationException',
      `Record size ${fiveMiB + 1} bytes exceeds the maximum record size of 1024 KiB configured for stream sized.`,
    );
    assert.deepEqual(
      await expectSuccess(server.url, 'UpdateMaxRecordSize', {
        StreamARN: testStreamArn('sized'),
        MaxRecordSizeInKiB: 10240,
      }),
      {},
    );
    assert.equal(await maxRecordSizeKiB('sized'), 10240);
    const put = await expectSuccess(server.url, 'PutRecord', record);
    assert.equal(put.ShardId, 'shardId-000000000000');
  });
  test('hands the 5 MiB record back whole', async () => {
    const client = kinesisClient(server.url);
    try {
      const records = await readShardFrom(client, 'sized', 'shardId-000000000000', {
        ShardIteratorType: 'TRIM_HORIZON',
      });
      assert.equal(records.length, 1);
      const data = Buffer.from(records[0]?.Data ?? new Uint8Array());
      assert.equal(data.length, fiveMiB);
      assert.equal(createHash('sha256').update(data).digest('hex'), createHash('sha256').update(bigData).digest('hex'));
    } finally {
      client.destroy();
    }
  });
  test('lowers the limit again through the AWS SDK, after which PutRecord refuses the large record', async () => {
    const client = kinesisClient(server.url);
    try {
      await client.send(
        new UpdateMaxRecordSizeCommand({ StreamARN: testStreamArn('sized-sdk'), MaxRecordSizeInKiB: 10240 }),
      );
      await client.send(new PutRecordCommand({ StreamName: 'sized-sdk', PartitionKey: 'k', Data: bigData }));
      await client.send(
        new UpdateMaxRecordSizeCommand({ StreamARN: testStreamArn('sized-sdk'), MaxRecordSizeInKiB: 2048 }),
      );
      assert.equal(await maxRecordSizeKiB('sized-sdk'), 2048);
      await assert.rejects(
        client.send(new PutRecordCommand({ StreamName: 'sized-sdk', PartitionKey: 'k', Data: bigData })),
        {
          name: 'ValidationException',
          message: `Record size ${fiveMiB + 1} bytes exceeds the maximum record size of 2048 KiB configured for stream sized-sdk.`,
        },
      );
    } finally {
      client.destroy();
    }
  });
  test('ignores StreamName, which the operation does not take, and so requires StreamARN', () =>
    expectError(
      server.url,
      'UpdateMaxRecordSize',
      { StreamName: 'sized', MaxRecordSizeInKiB: 2048 },
      'InvalidArgumentException',
      'Either StreamName or StreamARN must be provided.',
    ));
  test('answers ResourceNotFoundException for a missing stream', () =>
    expectError(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized-none'), MaxRecordSizeInKiB: 2048 },
      'ResourceNotFoundException',
      'Stream sized-none under account 000000000000 not found.',
    ));
  test('answers ResourceInUseException for a stream that is not ACTIVE', () =>
    expectError(
      server.url,
      'UpdateMaxRecordSize',
      { StreamARN: testStreamArn('sized-deleting'), MaxRecordSizeInKiB: 2048 },
      'ResourceInUseException',
      'Stream sized-deleting under account 000000000000 not ACTIVE, instead in state DELETING',
    ));
});
