/**
 * Conformance suite of retention in the segment log: `trimBefore` deletes whole expired segments
 * from the front, never part of one, and everything else keeps working around it. Run over every
 * file system (see segment-log-store.test.ts), with a manual clock: nothing waits for real time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { ShardLog } from '../ports.js';
import { LogClosedError } from './log-errors.js';
import {
  appendAndRemember,
  assertRecordsMatch,
  createFixture,
  type ExpectedRecord,
  type LogFixture,
  type LogTestEnvironment,
  makeRecords,
  readAll,
  segmentFiles,
} from './log-test-support.js';

const address = { streamKey: 'retained-1', shardIndex: 0 };
const hourMs = 3_600_000;

/** One read from offset 0: it starts at the trim horizon, whatever was trimmed. */
async function readFromZero(shard: ShardLog) {
  return (await shard.read(0, { recordCountMax: 100_000, bytesMax: 10 * 1024 * 1024 })).records;
}

/** Appends `batchCount` batches one hour apart, in a store that rolls every ~2 KiB. */
async function fillHours(fixture: LogFixture, shard: ShardLog, batchCount: number): Promise<ExpectedRecord[]> {
  const random = seededRandom(41);
  const expected: ExpectedRecord[] = [];
  for (let batch = 0; batch < batchCount; batch++) {
    fixture.clock.nowMs += hourMs;
    await appendAndRemember(shard, makeRecords(random, 4, 200), expected);
  }
  return expected;
}

export function logTrimSuite(environment: LogTestEnvironment): void {
  describe(`segment log retention over the ${environment.name} file system`, () => {
    test('trimBefore deletes the whole segments older than the cutoff and moves the start offset', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 40);
      const filesBefore = await segmentFiles(fixture, address.streamKey, address.shardIndex);
      assert.ok(filesBefore.length > 5, 'the log rolled several times');
      const cutoffMs = (expected[80] as ExpectedRecord).arrivalMs;
      await shard.trimBefore(cutoffMs);

      const start = shard.startOffset();
      const filesAfter = await segmentFiles(fixture, address.streamKey, address.shardIndex);
      assert.ok(start > 0 && start <= 80, `the horizon ${start} moved, and not past the first unexpired record`);
      assert.ok(filesAfter.length < filesBefore.length, 'expired segment files are gone');
      assert.equal(filesAfter[0], `${String(start).padStart(20, '0')}.log`, 'the first file starts at the horizon');
      // Whole segments only: every record before the horizon is expired, and the segment holding
      // the horizon still starts with an expired record unless the horizon is exactly the cutoff.
      for (const record of expected.slice(0, start)) assert.ok(record.arrivalMs < cutoffMs);
      assert.equal(shard.endOffset(), expected.length);
      assertRecordsMatch(await readFromZero(shard), expected.slice(start));
      await store.close();
    });

    test('a segment holding one record at the cutoff stays whole', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 1_000_000 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 3);
      // One segment, so the active one: its newest record is not expired, nothing is removed.
      await shard.trimBefore((expected.at(-1) as ExpectedRecord).arrivalMs);
      assert.equal(shard.startOffset(), 0);
      assertRecordsMatch(await readAll(shard), expected);
      await store.close();
    });

    test('an idle log whose every record expired becomes empty, and appends continue at its end', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 12);
      fixture.clock.nowMs += 48 * hourMs;
      await shard.trimBefore(fixture.clock.nowMs - 24 * hourMs);
      assert.equal(shard.startOffset(), expected.length);
      assert.equal(shard.endOffset(), expected.length);
      assert.deepEqual(await shard.read(0, { recordCountMax: 10, bytesMax: 10_000 }), {
        records: [],
        nextOffset: expected.length,
      });
      assert.equal(await shard.offsetAtOrAfter(0), expected.length);
      assert.deepEqual(await segmentFiles(fixture, address.streamKey, address.shardIndex), [
        `${String(expected.length).padStart(20, '0')}.log`,
      ]);
      const later: ExpectedRecord[] = [];
      await appendAndRemember(shard, makeRecords(seededRandom(42), 3), later);
      assert.equal(later[0]?.offset, expected.length, 'offsets never restart');
      assertRecordsMatch(await readFromZero(shard), later);
      await store.close();
    });

    test('a trimmed log reopens at the same horizon and end', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 30);
      await shard.trimBefore((expected[60] as ExpectedRecord).arrivalMs);
      const start = shard.startOffset();
      await store.close();

      const reopened = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const again = await reopened.openShard(address);
      assert.equal(again.startOffset(), start);
      assert.equal(again.endOffset(), expected.length);
      assertRecordsMatch(await readFromZero(again), expected.slice(start));
      assert.deepEqual(fixture.reports, [], 'a trimmed log is not damage: recovery reports nothing');
      await reopened.close();
    });

    test('offsetAtOrAfter answers the horizon for a time before it', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 30);
      await shard.trimBefore((expected[60] as ExpectedRecord).arrivalMs);
      assert.equal(await shard.offsetAtOrAfter((expected[0] as ExpectedRecord).arrivalMs), shard.startOffset());
      await store.close();
    });

    test('reads under way while segments are trimmed still return their records', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const expected = await fillHours(fixture, shard, 30);
      const reading = shard.read(0, { recordCountMax: 10_000, bytesMax: 10_000_000 });
      const trimming = shard.trimBefore((expected.at(-1) as ExpectedRecord).arrivalMs);
      const [read] = await Promise.all([reading, trimming]);
      assertRecordsMatch(read.records, expected);
      assert.ok(shard.startOffset() > 0);
      await store.close();
    });

    test('appends racing the roll of an expired active segment keep every record and offset', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 1_000_000 });
      const shard = await store.openShard(address);
      await fillHours(fixture, shard, 3);
      fixture.clock.nowMs += 48 * hourMs;
      const trimming = shard.trimBefore(fixture.clock.nowMs - 24 * hourMs);
      const later: ExpectedRecord[] = [];
      const random = seededRandom(43);
      await Promise.all([trimming, ...[1, 2, 3].map(() => appendAndRemember(shard, makeRecords(random, 2), later))]);
      later.sort((a, b) => a.offset - b.offset);
      assert.deepEqual(
        later.map((record) => record.offset),
        [12, 13, 14, 15, 16, 17],
      );
      const kept = await readAll(shard, shard.startOffset());
      assertRecordsMatch(
        kept.filter((record) => record.offset >= 12),
        later,
      );
      await store.close();
    });

    test('trimBefore is refused once the store is closed', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      await store.close();
      await assert.rejects(shard.trimBefore(0), LogClosedError);
    });
  });
}
