/**
 * PutRecords answers are written by JSON.stringify alone (put-records.ts): they must be byte for
 * byte what the generic codec path (toJsonWire, then JSON.stringify) writes, for answers with
 * sequence numbers, with per-record throttling errors, and on encrypted streams.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { encodeBody, toJsonWire } from '../../../protocol/codec.js';
import { type InProcessStreams, startInProcessStreams } from '../../../testing/in-process-streams.js';

let streams: InProcessStreams;
let draws = 0;
before(async () => {
  // Every third record of a call is refused by throttle injection: answers mix both kinds of entry.
  streams = await startInProcessStreams(
    { throughput: { mode: 'off', injectThrottleRate: 0.5 } },
    { random: () => (draws++ % 3 === 0 ? 0.1 : 0.9) },
  );
  await streams.call('CreateStream', { StreamName: 'answers', ShardCount: 3 });
  await streams.waitForStatus('answers', 'ACTIVE');
});
after(async () => {
  await streams.close();
});

function genericJson(output: object): string {
  return JSON.stringify(toJsonWire(output));
}

describe('PutRecords JSON answers', () => {
  test('equal the generic path, with sequence numbers, errors and encryption', async () => {
    const records = Array.from({ length: 50 }, (_, index) => ({
      PartitionKey: `key-${index}-ключ`,
      Data: Buffer.from(`record ${index}`),
    }));
    const plain = await streams.call('PutRecords', { StreamName: 'answers', Records: records });
    const entries = plain.Records as Array<Record<string, unknown>>;
    assert.ok(
      entries.some((entry) => entry.ErrorCode !== undefined),
      'some records were refused',
    );
    assert.ok(
      entries.some((entry) => entry.SequenceNumber !== undefined),
      'some records were stored',
    );
    assert.equal(encodeBody(plain, 'json').toString('utf8'), genericJson(plain));
    assert.equal(JSON.parse(encodeBody(plain, 'json').toString('utf8')).EncryptionType, 'NONE');

    await streams.call('StartStreamEncryption', {
      StreamName: 'answers',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    await streams.waitForStatus('answers', 'ACTIVE');
    const sealed = await streams.call('PutRecords', { StreamName: 'answers', Records: records });
    assert.equal(encodeBody(sealed, 'json').toString('utf8'), genericJson(sealed));
    assert.equal(JSON.parse(encodeBody(sealed, 'json').toString('utf8')).EncryptionType, 'KMS');
  });
});
