/**
 * The segment log under injected faults below it (faulty-file-system.ts over the memory file
 * system): writes torn by a crash, unsynced writes lost to a power cut, and bits flipped at rest.
 * What must hold: acknowledged records survive whatever the durability policy promises, what is
 * cut is reported with its byte range and record count, and damaged bytes are never served.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { AppendRecord, DurabilityPolicy, ShardLog } from '../ports.js';
import { measureBatchBytes } from './batch-codec.js';
import { FaultyFileSystem } from './faulty-file-system.js';
import { memoryFileSystem } from './file-system.js';
import { CorruptLogError } from './log-errors.js';
import {
  appendAndRemember,
  assertRecordsMatch,
  type ExpectedRecord,
  gate,
  ManualClock,
  makeRecords,
  readAll,
  readFile,
  writeFile,
} from './log-test-support.js';
import { type RecoveryReport, SegmentLogStore } from './segment-log-store.js';

const directory = '/data/log';
const address = { streamKey: 'faults', shardIndex: 2 };
const shardDirectory = path.join(directory, address.streamKey, '000002');

/** One simulated machine: a faulty disk, a clock, and the recovery reports of every boot. */
function createMachine(seed: number) {
  const disk = new FaultyFileSystem(memoryFileSystem(), seededRandom(seed));
  const clock = new ManualClock();
  const reports: RecoveryReport[] = [];
  return {
    disk,
    clock,
    reports,
    /** Boots a store on the disk as it is now (after a crash: on what the crash left). */
    boot(durability: DurabilityPolicy, limits: { segmentBytesMax?: number } = {}): SegmentLogStore {
      return new SegmentLogStore({
        fileSystem: disk.mount(),
        directory,
        durability,
        clock: clock.read,
        indexIntervalBytes: 256,
        onRecovery: (report) => reports.push(report),
        ...limits,
      });
    },
  };
}

/** Appends without waiting; the promise never rejects and says whether the append was acknowledged. */
function appendUnawaited(shard: ShardLog, records: AppendRecord[]): Promise<boolean> {
  return shard.append(records).then(
    () => true,
    () => false,
  );
}

/** Holds the next file sync until released; `reached` resolves when a sync is waiting. */
function holdNextSync(disk: FaultyFileSystem): { reached: Promise<void>; release: () => void } {
  const reached = gate();
  const released = gate();
  disk.beforeSync = async () => {
    disk.beforeSync = undefined;
    reached.open();
    await released.promise;
  };
  return { reached: reached.promise, release: released.open };
}

async function assertOffsetLookups(shard: ShardLog, expected: readonly ExpectedRecord[]): Promise<void> {
  for (const record of expected) {
    const first = expected.find((candidate) => candidate.arrivalMs === record.arrivalMs) as ExpectedRecord;
    assert.equal(await shard.offsetAtOrAfter(record.arrivalMs), first.offset, `lookup of arrival ${record.arrivalMs}`);
  }
}

describe('the segment log under injected faults', () => {
  test('a write torn by a crash is cut at restart and reported, and only unacknowledged records are lost', async () => {
    const machine = createMachine(1);
    const store = machine.boot('fsync');
    const shard = await store.openShard(address);
    const random = seededRandom(2);
    const acknowledged: ExpectedRecord[] = [];
    for (let batch = 0; batch < 10; batch++) {
      machine.clock.nowMs += 1;
      await appendAndRemember(shard, makeRecords(random, 3), acknowledged);
    }
    // Three appends join one write round; the power goes while its sync is held, and the write
    // reached the disk only up to the second batch's records: its 40-byte header and 10 bytes more.
    const held = holdNextSync(machine.disk);
    machine.clock.nowMs += 1;
    const unacknowledged = [makeRecords(random, 4), makeRecords(random, 5), makeRecords(random, 6)];
    const outcomes = unacknowledged.map((records) => appendUnawaited(shard, records));
    await held.reached;
    const firstBatchBytes = measureBatchBytes(unacknowledged[0] as AppendRecord[]);
    const crash = await machine.disk.crash({
      unsynced: 'prefix',
      keptChangeCount: 0,
      tornWriteKeptBytes: firstBatchBytes + 50,
    });
    held.release();
    assert.deepEqual(await Promise.all(outcomes), [false, false, false], 'nothing of the torn round was acknowledged');
    const torn = crash.torn;
    assert.ok(torn !== undefined);

    const restarted = machine.boot('fsync');
    const recovered = await restarted.openShard(address);
    const activeSegment = path.join(shardDirectory, '00000000000000000000.log');
    assert.deepEqual(machine.reports, [
      {
        kind: 'tail-truncated',
        streamKey: address.streamKey,
        shardIndex: address.shardIndex,
        segment: activeSegment,
        validBytes: torn.position + firstBatchBytes,
        truncatedBytes: 50,
        recordCount: 5,
        reason: 'torn-batch',
      },
    ]);
    // The first batch of the round got out whole: never acknowledged, yet intact, so it stays.
    const survivors = [...acknowledged];
    (unacknowledged[0] as AppendRecord[]).forEach((record, index) => {
      survivors.push({ offset: acknowledged.length + index, arrivalMs: machine.clock.nowMs, record });
    });
    assert.equal(recovered.endOffset(), survivors.length);
    assertRecordsMatch(await readAll(recovered), survivors);
    await assertOffsetLookups(recovered, survivors);

    // Appends continue at the new end, and a clean restart finds nothing to repair.
    machine.clock.nowMs += 1;
    await appendAndRemember(recovered, makeRecords(random, 2), survivors);
    await restarted.close();
    const reports = machine.reports.length;
    const again = machine.boot('fsync');
    assertRecordsMatch(await readAll(await again.openShard(address)), survivors);
    assert.equal(machine.reports.length, reports);
    await again.close();
  });

  test('under durability fsync, a power cut at any point never takes an acknowledged record', async () => {
    for (let trial = 0; trial < 24; trial++) {
      const machine = createMachine(100 + trial);
      const random = seededRandom(200 + trial);
      const store = machine.boot('fsync', { segmentBytesMax: 2048 });
      const shard = await store.openShard(address);
      const acknowledged: ExpectedRecord[] = [];
      const batchCount = 5 + Math.floor(random() * 20);
      for (let batch = 0; batch < batchCount; batch++) {
        machine.clock.nowMs += 1;
        await appendAndRemember(shard, makeRecords(random, 1 + Math.floor(random() * 4)), acknowledged);
      }
      // Some appends are in flight when the power goes: written and not synced (odd trials),
      // or just queued.
      const held = trial % 2 === 1 ? holdNextSync(machine.disk) : undefined;
      const inFlight = Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
        appendUnawaited(shard, makeRecords(random, 1 + Math.floor(random() * 4))),
      );
      await held?.reached;
      const unsyncedBytes = machine.disk.unsyncedBytes;
      await machine.disk.crash({ unsynced: trial % 3 === 0 ? 'lost' : 'prefix' });
      held?.release();
      await Promise.all(inFlight);

      const restarted = machine.boot('fsync', { segmentBytesMax: 2048 });
      const recovered = await restarted.openShard(address);
      assert.ok(recovered.endOffset() >= acknowledged.length, `trial ${trial}: nothing acknowledged is missing`);
      assertRecordsMatch(
        (await readAll(recovered)).slice(0, acknowledged.length),
        acknowledged.slice(0, acknowledged.length),
      );
      for (const report of machine.reports) {
        assert.equal(report.kind, 'tail-truncated', `trial ${trial}: only a torn tail needs repair`);
        assert.ok(unsyncedBytes > 0, `trial ${trial}: a cut implies unsynced bytes`);
      }
      await restarted.close();
    }
  });

  test('under durability os, a power cut can take acknowledged records: a torn cut is reported, and what is left is a clean prefix', async () => {
    const machine = createMachine(3);
    const store = machine.boot('os');
    const shard = await store.openShard(address);
    const random = seededRandom(4);
    const acknowledged: ExpectedRecord[] = [];
    for (let batch = 0; batch < 10; batch++) {
      machine.clock.nowMs += 1;
      await appendAndRemember(shard, makeRecords(random, 3), acknowledged);
    }
    // Durability os acknowledges after the write: all ten batches were acknowledged, none synced.
    // The power goes after four of them reached the disk and part of the fifth.
    const crash = await machine.disk.crash({ unsynced: 'prefix', keptChangeCount: 4 });
    const torn = crash.torn;
    assert.ok(torn !== undefined);
    const restarted = machine.boot('os');
    const recovered = await restarted.openShard(address);
    assert.equal(recovered.endOffset(), 4 * 3, 'the acknowledged records of six batches are gone');
    assertRecordsMatch(await readAll(recovered), acknowledged.slice(0, 12));
    const headerKept = torn.keptBytes >= 40;
    const expectedReports =
      torn.keptBytes === 0
        ? []
        : [
            {
              kind: 'tail-truncated',
              streamKey: address.streamKey,
              shardIndex: address.shardIndex,
              segment: path.join(shardDirectory, '00000000000000000000.log'),
              validBytes: torn.position,
              truncatedBytes: torn.keptBytes,
              recordCount: headerKept ? 3 : 0,
              reason: headerKept ? 'torn-batch' : 'short-header',
            },
          ];
    assert.deepEqual(machine.reports, expectedReports);
    await restarted.close();
  });

  test('a flipped bit anywhere in a sealed segment is caught by its checksum, named, and never served', async () => {
    const machine = createMachine(5);
    const store = machine.boot('fsync', { segmentBytesMax: 2048 });
    const shard = await store.openShard(address);
    const random = seededRandom(6);
    const expected: ExpectedRecord[] = [];
    for (let batch = 0; batch < 60; batch++) {
      machine.clock.nowMs += 1;
      await appendAndRemember(shard, makeRecords(random, 1 + Math.floor(random() * 5)), expected);
    }
    await store.close();
    const fileSystem = machine.disk.mount();
    const segments = (await fileSystem.list(shardDirectory)).filter((name) => name.endsWith('.log')).slice(0, -1);
    assert.ok(segments.length >= 5, 'several sealed segments');

    for (let flip = 0; flip < 60; flip++) {
      const segment = path.join(shardDirectory, segments[Math.floor(random() * segments.length)] as string);
      const bytes = await readFile(fileSystem, segment);
      const batches = batchesOf(bytes, Number(path.basename(segment, '.log')));
      const position = Math.floor(random() * bytes.length);
      const bit = Math.floor(random() * 8);
      const damaged = batches.find((batch) => batch.start <= position && position < batch.end) as BatchSpan;
      await machine.disk.flipBit(segment, position, bit);

      const reopened = machine.boot('fsync', { segmentBytesMax: 2048 });
      const reader = await reopened.openShard(address);
      const served: ExpectedRecord['offset'][] = [];
      const error = await readUntilError(reader, expected, served);
      assert.ok(error instanceof CorruptLogError, `flip ${flip} at ${segment}:${position} is detected`);
      const { details } = error;
      assert.equal(details.segment, segment);
      assert.deepEqual([details.streamKey, details.shardIndex], [address.streamKey, address.shardIndex]);
      assert.ok(details.byteStart <= position && position < details.byteEnd, `flip ${flip}: the range holds the flip`);
      const inCountOrLength =
        position - damaged.start < 8 || (position - damaged.start >= 24 && position - damaged.start < 28);
      if (details.recordCount !== undefined && !inCountOrLength) {
        assert.equal(details.recordCount, damaged.recordCount, `flip ${flip}: the damaged batch's record count`);
        assert.equal(details.firstOffset, damaged.firstOffset);
      }
      assert.ok(
        served.every((offset) => offset < damaged.firstOffset),
        `flip ${flip}: no record of the damaged batch or after it was served`,
      );
      await reopened.close();
      await machine.disk.flipBit(segment, position, bit);
    }
    // With every bit flipped back, the whole log reads again (indexes rebuilt on the way are right).
    const healed = machine.boot('fsync', { segmentBytesMax: 2048 });
    assertRecordsMatch(await readAll(await healed.openShard(address)), expected);
    await healed.close();
  });

  test('a flipped bit in an index file is rebuilt or caught when a read relies on it, and reads stay right', async () => {
    const machine = createMachine(7);
    const store = machine.boot('fsync', { segmentBytesMax: 4096 });
    const shard = await store.openShard(address);
    const random = seededRandom(8);
    const expected: ExpectedRecord[] = [];
    for (let batch = 0; batch < 60; batch++) {
      machine.clock.nowMs += 1;
      await appendAndRemember(shard, makeRecords(random, 1 + Math.floor(random() * 5)), expected);
    }
    await store.close();
    const fileSystem = machine.disk.mount();
    const indexes = (await fileSystem.list(shardDirectory)).filter((name) => name.endsWith('.index'));
    for (let flip = 0; flip < 30; flip++) {
      const indexPath = path.join(shardDirectory, indexes[Math.floor(random() * indexes.length)] as string);
      const size = (await readFile(fileSystem, indexPath)).length;
      await machine.disk.flipBit(indexPath, Math.floor(random() * size), Math.floor(random() * 8));
      const reopened = machine.boot('fsync', { segmentBytesMax: 4096 });
      const reader = await reopened.openShard(address);
      for (const from of [0, Math.floor(random() * expected.length)]) {
        assertRecordsMatch(await readAll(reader, from, 5), expected.slice(from));
      }
      await assertOffsetLookups(reader, expected);
      await reopened.close();
    }
    assert.ok(
      machine.reports.every((report) => report.kind === 'index-rebuilt'),
      'index damage never truncates the log',
    );
  });

  test('an index entry with a wrong arrival time is caught when a timestamp lookup relies on it', async () => {
    const machine = createMachine(9);
    const store = machine.boot('fsync', { segmentBytesMax: 4096 });
    const shard = await store.openShard(address);
    const random = seededRandom(10);
    const expected: ExpectedRecord[] = [];
    for (let batch = 0; batch < 80; batch++) {
      machine.clock.nowMs += 1;
      await appendAndRemember(shard, makeRecords(random, 1, 20), expected);
    }
    await store.close();
    const fileSystem = machine.disk.mount();
    const indexPath = path.join(shardDirectory, '00000000000000000000.index');
    const index = await readFile(fileSystem, indexPath);
    const arrivalOf = (entry: number): number =>
      index.readUInt32LE(entry * 16 + 8) + index.readUInt32LE(entry * 16 + 12) * 2 ** 32;
    // A middle entry with unindexed batches before it; its arrival is lowered to its predecessor's,
    // which keeps the file plausible (arrivals still do not decrease) for the open-time checks.
    const entryCount = index.length / 16;
    const damaged = Array.from({ length: entryCount - 2 }, (_, entry) => entry + 1).find(
      (entry) => arrivalOf(entry) - arrivalOf(entry - 1) >= 2,
    );
    assert.ok(damaged !== undefined, 'an entry follows unindexed batches');
    const trueArrivalMs = arrivalOf(damaged);
    index.writeUInt32LE(arrivalOf(damaged - 1) % 2 ** 32, damaged * 16 + 8);
    await writeFile(fileSystem, indexPath, index);

    const reopened = machine.boot('fsync', { segmentBytesMax: 4096 });
    const reader = await reopened.openShard(address);
    assert.equal(machine.reports.length, 0, 'the open-time checks let the damage through');
    const answer = expected.find((record) => record.arrivalMs >= trueArrivalMs - 1) as ExpectedRecord;
    assert.equal(await reader.offsetAtOrAfter(trueArrivalMs - 1), answer.offset);
    assert.deepEqual(
      machine.reports.map((report) => report.kind),
      ['index-rebuilt'],
    );
    await reopened.close();
  });
});

interface BatchSpan {
  readonly start: number;
  readonly end: number;
  readonly firstOffset: number;
  readonly recordCount: number;
}

/** The batches of an undamaged segment, by walking their headers. */
function batchesOf(bytes: Buffer, baseOffset: number): BatchSpan[] {
  const batches: BatchSpan[] = [];
  let firstOffset = baseOffset;
  for (let start = 0; start < bytes.length; ) {
    const end = start + bytes.readUInt32LE(start + 4);
    const recordCount = bytes.readUInt32LE(start + 24);
    batches.push({ start, end, firstOffset, recordCount });
    firstOffset += recordCount;
    start = end;
  }
  return batches;
}

/** Reads the shard from the start, 7 records at a time, checking every record served. */
async function readUntilError(
  shard: ShardLog,
  expected: readonly ExpectedRecord[],
  served: number[],
): Promise<unknown> {
  let offset = 0;
  while (offset < shard.endOffset()) {
    let result: Awaited<ReturnType<ShardLog['read']>>;
    try {
      result = await shard.read(offset, { recordCountMax: 7, bytesMax: 1_000_000 });
    } catch (error) {
      return error;
    }
    assertRecordsMatch(result.records, expected.slice(offset, offset + result.records.length));
    served.push(...result.records.map((record) => record.offset));
    offset = result.nextOffset;
  }
  return undefined;
}
