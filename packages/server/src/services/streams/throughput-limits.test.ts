import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type InProcessStreams, startInProcessStreams } from '../../testing/in-process-streams.js';
import {
  shardReadBytesPerSecond,
  shardReadCallsPerSecond,
  shardWriteBytesPerSecond,
  shardWriteRecordsPerSecond,
  ThroughputLimiter,
} from './throughput-limits.js';

/** A limiter on a clock the test moves by hand. */
function limiter(mode: 'off' | 'aws', injectThrottleRate = 0, random?: () => number) {
  const clock = { nowMs: 1_000_000 };
  const limits = new ThroughputLimiter({
    mode,
    injectThrottleRate,
    clock: () => clock.nowMs,
    ...(random ? { random } : {}),
  });
  return { clock, limits };
}

function admittedWrites(limits: ThroughputLimiter, count: number, sizeBytes: number, shardIndex = 0): number {
  let admitted = 0;
  for (let record = 0; record < count; record++) if (limits.admitWrite('s', shardIndex, sizeBytes)) admitted++;
  return admitted;
}

describe('throughput limits', () => {
  test('aws: a shard takes 1,000 records in a second, then 1,000 more per second', () => {
    const { clock, limits } = limiter('aws');
    assert.equal(shardWriteRecordsPerSecond, 1000);
    assert.equal(admittedWrites(limits, 1500, 1), 1000);
    clock.nowMs += 500;
    assert.equal(admittedWrites(limits, 1000, 1), 500);
    clock.nowMs += 10_000;
    assert.equal(admittedWrites(limits, 1500, 1), 1000, 'a bucket holds one second, however long it rested');
  });

  test('aws: a shard takes 1 MiB in a second, and a record that does not fit is refused whole', () => {
    const { clock, limits } = limiter('aws');
    assert.equal(shardWriteBytesPerSecond, 1024 * 1024);
    const quarterMiB = 256 * 1024;
    assert.equal(admittedWrites(limits, 4, quarterMiB), 4);
    assert.equal(limits.admitWrite('s', 0, 1), false);
    clock.nowMs += 250;
    assert.equal(admittedWrites(limits, 2, quarterMiB), 1);
  });

  test('aws: each shard has its own buckets', () => {
    const { limits } = limiter('aws');
    assert.equal(admittedWrites(limits, 1000, 1, 0), 1000);
    assert.equal(admittedWrites(limits, 1000, 1, 1), 1000);
    assert.equal(limits.admitWrite('other-stream', 0, 1), true);
  });

  test('aws: GetRecords gets five calls a second per shard', () => {
    const { clock, limits } = limiter('aws');
    assert.equal(shardReadCallsPerSecond, 5);
    const calls = (count: number): number =>
      Array.from({ length: count }).filter(() => limits.admitRead('s', 0)).length;
    assert.equal(calls(8), 5);
    clock.nowMs += 400;
    assert.equal(calls(8), 2);
  });

  test('aws: a read over 2 MiB overdraws the shard, and its next calls wait until it refilled', () => {
    const { clock, limits } = limiter('aws');
    assert.equal(shardReadBytesPerSecond, 2 * 1024 * 1024);
    assert.equal(limits.admitRead('s', 0), true);
    limits.chargeRead('s', 0, 10 * 1024 * 1024);
    clock.nowMs += 3000;
    assert.equal(limits.admitRead('s', 0), false, '8 MiB overdrawn, 6 MiB refilled');
    clock.nowMs += 1001;
    assert.equal(limits.admitRead('s', 0), true);
  });

  test('off: nothing is throttled, at any rate', () => {
    const { limits } = limiter('off');
    assert.equal(admittedWrites(limits, 100_000, 1024 * 1024), 100_000);
    limits.chargeRead('s', 0, 100 * 1024 * 1024);
    assert.equal(Array.from({ length: 100 }).filter(() => limits.admitRead('s', 0)).length, 100);
  });

  test('throttle injection refuses the drawn fraction, whatever the mode', () => {
    const draws = [0.05, 0.5, 0.09, 0.95];
    let next = 0;
    const { limits } = limiter('off', 0.1, () => draws[next++ % draws.length] ?? 1);
    assert.deepEqual(
      draws.map(() => limits.admitWrite('s', 0, 1)),
      [false, true, false, true],
    );
    assert.equal(limits.admitRead('s', 0), false);
  });

  test('refuses a throttle rate outside 0…1', () => {
    assert.throws(() => limiter('off', 1.5), /fraction/);
  });
});

describe('throughput limits through the operations (aws, on a hand-moved clock)', () => {
  let streams: InProcessStreams;
  before(async () => {
    streams = await startInProcessStreams({ throughput: { mode: 'aws', injectThrottleRate: 0 } });
    await streams.call('CreateStream', { StreamName: 'limited', ShardCount: 2 });
    await streams.waitForStatus('limited', 'ACTIVE');
  });
  after(async () => {
    await streams.close();
  });

  const tiny = (count: number, explicitHashKey = '0') =>
    Array.from({ length: count }, (_, index) => ({
      PartitionKey: `k${index}`,
      ExplicitHashKey: explicitHashKey,
      Data: Buffer.from('x'),
    }));
  const throttled = `Rate exceeded for shard shardId-000000000000 in stream limited under account 000000000000.`;

  test('PutRecords fails only the records over 1,000 records/s, with ErrorCode and ErrorMessage', async () => {
    for (const call of [0, 1]) {
      const answer = await streams.call('PutRecords', { StreamName: 'limited', Records: tiny(500) });
      assert.equal(answer.FailedRecordCount, 0, `call ${call}`);
    }
    streams.clock.nowMs += 100;
    const answer = await streams.call('PutRecords', {
      StreamName: 'limited',
      Records: [...tiny(150), ...tiny(10, '340282366920938463463374607431768211455')],
    });
    const results = answer.Records as Array<{ ShardId?: string; ErrorCode?: string; ErrorMessage?: string }>;
    assert.equal(answer.FailedRecordCount, 50);
    assert.ok(results.slice(0, 100).every((result) => result.ShardId === 'shardId-000000000000'));
    assert.deepEqual(results[100], { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: throttled });
    assert.ok(
      results.slice(150).every((result) => result.ShardId === 'shardId-000000000001'),
      'other shards unaffected',
    );
  });
  test('PutRecord answers ProvisionedThroughputExceededException while the shard is over its rate', async () => {
    await assert.rejects(
      streams.call('PutRecord', {
        StreamName: 'limited',
        PartitionKey: 'k',
        ExplicitHashKey: '0',
        Data: Buffer.from('x'),
      }),
      { type: 'ProvisionedThroughputExceededException', message: throttled },
    );
    streams.clock.nowMs += 1;
    await streams.call('PutRecord', {
      StreamName: 'limited',
      PartitionKey: 'k',
      ExplicitHashKey: '0',
      Data: Buffer.from('x'),
    });
  });
  test('GetRecords answers ProvisionedThroughputExceededException past five calls a second', async () => {
    const { ShardIterator } = await streams.call('GetShardIterator', {
      StreamName: 'limited',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'LATEST',
    });
    for (let call = 0; call < 5; call++) await streams.call('GetRecords', { ShardIterator });
    await assert.rejects(streams.call('GetRecords', { ShardIterator }), {
      type: 'ProvisionedThroughputExceededException',
      message: throttled,
    });
    streams.clock.nowMs += 200;
    await streams.call('GetRecords', { ShardIterator });
  });
});
