/**
 * GetRecords' JSON answer is written from the log's records directly (get-records.ts through
 * protocol/get-records-json.ts), while CBOR and in-process callers see `Records` built on demand.
 * Both must say the same: the JSON must be byte for byte what the generic path writes for the
 * object's own members, for plain, encrypted and closed shards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Decoder } from 'cbor-x';
import { encodeBody, toJsonWire } from '../../../protocol/codec.js';
import { type InProcessStreams, startInProcessStreams } from '../../../testing/in-process-streams.js';

let streams: InProcessStreams;
before(async () => {
  streams = await startInProcessStreams();
  await streams.call('CreateStream', { StreamName: 'answers', ShardCount: 1 });
  await streams.waitForStatus('answers', 'ACTIVE');
});
after(async () => {
  await streams.close();
});

const keys = ['plain', 'ключ', '🔑', 'quote"back\\slash', 'tab\there', '\u2028'];

async function put(count: number, tag: string): Promise<void> {
  const records = Array.from({ length: count }, (_, index) => ({
    PartitionKey: `${keys[index % keys.length]}-${tag}-${index}`,
    Data: Buffer.from(index % 7 === 0 ? '' : `${tag} record ${index} `.repeat(index % 5)),
  }));
  const answer = await streams.call('PutRecords', { StreamName: 'answers', Records: records });
  assert.equal(answer.FailedRecordCount, 0);
}

async function iterator(shardId: string): Promise<string> {
  const answer = await streams.call('GetShardIterator', {
    StreamName: 'answers',
    ShardId: shardId,
    ShardIteratorType: 'TRIM_HORIZON',
  });
  return answer.ShardIterator as string;
}

/** One GetRecords, its generic JSON and CBOR taken first, then its own JSON writer's bytes. */
async function bothWays(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const output = await streams.call('GetRecords', input);
  const generic = JSON.stringify(toJsonWire(output));
  const cbor = new Decoder({ useRecords: false, mapsAsObjects: true }).decode(encodeBody(output, 'cbor'));
  const written = encodeBody(output, 'json').toString('utf8');
  assert.equal(written, generic);
  const parsed = JSON.parse(written) as Record<string, unknown>;
  assert.equal((cbor.Records as unknown[]).length, (parsed.Records as unknown[]).length);
  // Written once: the records' memory belongs to the engine again.
  assert.throws(() => output.Records, /released/);
  assert.throws(() => encodeBody(output, 'json'), /written once/);
  return parsed;
}

describe('GetRecords JSON answers from the log records', () => {
  test('plain records, a page with a next iterator and records behind', async () => {
    await put(40, 'plain');
    const page = await bothWays({ ShardIterator: await iterator('shardId-000000000000'), Limit: 25 });
    assert.equal((page.Records as unknown[]).length, 25);
    assert.equal(typeof page.NextShardIterator, 'string');
    const record = (page.Records as Array<Record<string, unknown>>)[1] as Record<string, unknown>;
    assert.equal(typeof record.ApproximateArrivalTimestamp, 'number');
    assert.equal('EncryptionType' in record, false);
  });

  test('encrypted and plain records in one answer', async () => {
    await streams.call('StartStreamEncryption', {
      StreamName: 'answers',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    await streams.waitForStatus('answers', 'ACTIVE');
    await put(30, 'sealed');
    const page = await bothWays({ ShardIterator: await iterator('shardId-000000000000') });
    const types = (page.Records as Array<Record<string, unknown>>).map((record) => record.EncryptionType);
    assert.ok(types.includes('KMS') && types.includes(undefined));
  });

  test('a closed shard read to its end names its children and ends the iterator', async () => {
    await streams.call('SplitShard', {
      StreamName: 'answers',
      ShardToSplit: 'shardId-000000000000',
      NewStartingHashKey: (1n << 127n).toString(),
    });
    await streams.waitForStatus('answers', 'ACTIVE');
    const page = await bothWays({ ShardIterator: await iterator('shardId-000000000000') });
    assert.equal('NextShardIterator' in page, false);
    assert.equal((page.ChildShards as unknown[]).length, 2);
    const empty = await bothWays({ ShardIterator: await iterator('shardId-000000000001') });
    assert.deepEqual(empty.Records, []);
  });
});
