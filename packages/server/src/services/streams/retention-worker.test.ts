/**
 * Retention through the service, in process: the real operations and the real engine over the
 * memory file system, with a clock the test moves by hours. Nothing waits for real time.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { memoryFileSystem } from '../../storage/embedded/file-system.js';
import { MemoryMetaStore } from '../../storage/embedded/memory-meta-store.js';
import { SegmentLogStore } from '../../storage/embedded/segment-log-store.js';
import { onDemandScalingDefaults } from './on-demand-scaler.js';
import { createStreamsService, type StreamsService } from './service.js';

const hourMs = 3_600_000;
const account = '000000000000';

interface World {
  readonly service: StreamsService;
  /** Moves the service's and the logs' clock. */
  advance(ms: number): void;
  now(): number;
}

async function startWorld(t: TestContext): Promise<World> {
  let nowMs = Date.UTC(2026, 0, 1);
  const clock = (): number => nowMs;
  // Small segments: retention deletes whole segments, so a test wants many of them.
  const logs = new SegmentLogStore({
    fileSystem: memoryFileSystem(),
    directory: '/log',
    durability: 'os',
    segmentBytesMax: 512,
    indexIntervalBytes: 128,
    clock,
  });
  const meta = new MemoryMetaStore();
  const service = await createStreamsService({
    config: {
      region: 'us-east-1',
      accountId: account,
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 100,
      retentionIntervalMs: 0,
      onDemandScaling: { ...onDemandScalingDefaults, checkIntervalMs: 0 },
    },
    meta,
    logs,
    clock,
  });
  t.after(async () => {
    await service.close();
    await logs.close();
    await meta.close();
  });
  return {
    service,
    advance: (ms) => {
      nowMs += ms;
    },
    now: () => nowMs,
  };
}

async function call(world: World, operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (await world.service.invoke(operation, input)) as Record<string, unknown>;
}

async function waitActive(world: World, name: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (world.service.context.registry.find(name)?.status === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

async function createStream(world: World, name: string, shardCount = 1): Promise<void> {
  await call(world, 'CreateStream', { StreamName: name, ShardCount: shardCount });
  await waitActive(world, name);
}

/** Puts one record an hour for `hours` hours into shard 0 (fixed hash key); answers their sequence numbers. */
async function putHourly(world: World, name: string, hours: number, tag: string): Promise<string[]> {
  const sequences: string[] = [];
  for (let hour = 0; hour < hours; hour++) {
    world.advance(hourMs);
    const answer = await call(world, 'PutRecord', {
      StreamName: name,
      PartitionKey: 'k',
      ExplicitHashKey: '0',
      Data: Buffer.from(`${tag}-${hour}-${'x'.repeat(100)}`),
    });
    sequences.push(answer.SequenceNumber as string);
  }
  return sequences;
}

/** Puts `count` records at the current time into shard 0, two to a 512-byte segment. */
async function putBurst(world: World, name: string, count: number, tag: string): Promise<void> {
  for (let index = 0; index < count; index++) {
    await call(world, 'PutRecord', {
      StreamName: name,
      PartitionKey: 'k',
      ExplicitHashKey: '0',
      Data: Buffer.from(`${tag}-${index}-${'x'.repeat(150)}`),
    });
  }
}

async function iterator(world: World, name: string, position: Record<string, unknown>): Promise<string> {
  const answer = await call(world, 'GetShardIterator', {
    StreamName: name,
    ShardId: 'shardId-000000000000',
    ...position,
  });
  return answer.ShardIterator as string;
}

async function readAll(world: World, shardIterator: string): Promise<{ sequences: string[]; data: string[] }> {
  const answer = await call(world, 'GetRecords', { ShardIterator: shardIterator, Limit: 10_000 });
  const records = answer.Records as Array<{ SequenceNumber: string; Data: Buffer }>;
  return {
    sequences: records.map((record) => record.SequenceNumber),
    data: records.map((record) => record.Data.toString()),
  };
}

async function expectServiceError(promise: Promise<unknown>, type: string, message: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.equal((error as { type?: string }).type, type);
    assert.equal((error as Error).message, message);
    return true;
  });
}

describe('retention through the service', () => {
  test('a pass deletes whole segments past the retention and TRIM_HORIZON moves with them', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'kept');
    const sequences = await putHourly(world, 'kept', 48, 'r');
    const pass = await world.service.retention.pass();
    assert.deepEqual(pass.trimmed, ['kept/shardId-000000000000']);
    const { sequences: left } = await readAll(
      world,
      await iterator(world, 'kept', { ShardIteratorType: 'TRIM_HORIZON' }),
    );
    // Records are put one an hour: of the last 24 hours' records none is gone, and whole segments
    // of older ones are.
    assert.ok(left.length >= 24 && left.length < 48, `${left.length} records left`);
    assert.deepEqual(left, sequences.slice(48 - left.length));
  });

  test('AT_TIMESTAMP and AT_SEQUENCE_NUMBER before the horizon start at the horizon', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'kept');
    const startMs = world.now();
    const sequences = await putHourly(world, 'kept', 48, 'r');
    await world.service.retention.pass();
    const horizon = await readAll(world, await iterator(world, 'kept', { ShardIteratorType: 'TRIM_HORIZON' }));
    const atTimestamp = await readAll(
      world,
      await iterator(world, 'kept', { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: startMs }),
    );
    const atTrimmedSequence = await readAll(
      world,
      await iterator(world, 'kept', { ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: sequences[0] }),
    );
    assert.notEqual(horizon.sequences[0], sequences[0], 'the first record is gone');
    assert.deepEqual(atTimestamp, horizon);
    assert.deepEqual(atTrimmedSequence, horizon);
  });

  test('GetRecords from an iterator whose position was trimmed continues at the new horizon', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'kept');
    await putBurst(world, 'kept', 6, 'old');
    world.advance(hourMs);
    await putBurst(world, 'kept', 6, 'new');
    // A minute before the old records expire, a reader takes an iterator at the horizon…
    world.advance(23 * hourMs - 60_000);
    const early = await iterator(world, 'kept', { ShardIteratorType: 'TRIM_HORIZON' });
    // …and two minutes later (the iterator lives five) the records it points at are trimmed.
    world.advance(120_000);
    await world.service.retention.pass();
    const fromEarly = await readAll(world, early);
    const fromHorizon = await readAll(world, await iterator(world, 'kept', { ShardIteratorType: 'TRIM_HORIZON' }));
    assert.ok(fromHorizon.sequences.length < 12, 'old records were trimmed');
    assert.ok(fromHorizon.data.every((data) => data.startsWith('new') || data.startsWith('old')));
    assert.equal(fromHorizon.data.filter((data) => data.startsWith('new-')).length, 6, 'no new record was trimmed');
    assert.deepEqual(fromEarly, fromHorizon);
  });

  test('a decreased retention takes effect at the next pass', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'shrinking');
    await call(world, 'IncreaseStreamRetentionPeriod', { StreamName: 'shrinking', RetentionPeriodHours: 72 });
    await putHourly(world, 'shrinking', 60, 'r');
    assert.deepEqual((await world.service.retention.pass()).trimmed, [], 'nothing is older than 72 hours');
    await call(world, 'DecreaseStreamRetentionPeriod', { StreamName: 'shrinking', RetentionPeriodHours: 24 });
    assert.deepEqual((await world.service.retention.pass()).trimmed, ['shrinking/shardId-000000000000']);
    const { sequences } = await readAll(
      world,
      await iterator(world, 'shrinking', { ShardIteratorType: 'TRIM_HORIZON' }),
    );
    assert.ok(sequences.length < 60 && sequences.length >= 24, `${sequences.length} records left`);
  });

  test('an idle open shard whose data all expired is empty but still listed', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'idle');
    await putHourly(world, 'idle', 3, 'r');
    world.advance(30 * hourMs);
    await world.service.retention.pass();
    assert.deepEqual(await readAll(world, await iterator(world, 'idle', { ShardIteratorType: 'TRIM_HORIZON' })), {
      sequences: [],
      data: [],
    });
    const listed = await call(world, 'ListShards', { StreamName: 'idle' });
    assert.equal((listed.Shards as unknown[]).length, 1);
    // New records after the trim are read from the horizon as usual.
    const fresh = await putHourly(world, 'idle', 1, 'fresh');
    const after = await readAll(world, await iterator(world, 'idle', { ShardIteratorType: 'TRIM_HORIZON' }));
    assert.deepEqual(after.sequences, fresh);
  });

  test('a closed shard whose data all expired disappears from DescribeStream and ListShards', async (t) => {
    const world = await startWorld(t);
    await createStream(world, 'resharded', 2);
    await putHourly(world, 'resharded', 3, 'parent');
    // Close shard 0 as resharding does (its children are not needed to test expiry).
    const stream = world.service.context.registry.find('resharded');
    assert.ok(stream);
    const closedMs = world.now();
    await world.service.context.registry.commit(stream, (draft) => {
      const shard = draft.shards[0];
      assert.ok(shard);
      shard.endingSequenceNumber = '1';
      shard.closedMs = closedMs;
    });
    world.advance(23 * hourMs);
    assert.deepEqual((await world.service.retention.pass()).expired, [], 'not yet: closed 23 hours ago');
    world.advance(2 * hourMs);
    assert.deepEqual((await world.service.retention.pass()).expired, ['resharded/shardId-000000000000']);

    const described = await call(world, 'DescribeStream', { StreamName: 'resharded' });
    const describedIds = (described.StreamDescription as { Shards: Array<{ ShardId: string }> }).Shards.map(
      (shard) => shard.ShardId,
    );
    assert.deepEqual(describedIds, ['shardId-000000000001']);
    const listed = await call(world, 'ListShards', { StreamName: 'resharded' });
    assert.deepEqual(
      (listed.Shards as Array<{ ShardId: string }>).map((shard) => shard.ShardId),
      ['shardId-000000000001'],
    );
    await expectServiceError(
      iterator(world, 'resharded', { ShardIteratorType: 'TRIM_HORIZON' }),
      'ResourceNotFoundException',
      `Shard shardId-000000000000 in stream resharded under account ${account} does not exist`,
    );
    // The open shard is never removed, expired data or not; and the expiry survives in the metadata.
    assert.equal(world.service.context.registry.find('resharded')?.shards.length, 2);
    assert.deepEqual((await world.service.retention.pass()).expired, []);
  });
});
