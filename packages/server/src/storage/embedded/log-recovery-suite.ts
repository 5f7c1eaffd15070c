/**
 * Conformance suite of the segment LogStore's recovery: restarts, torn tails, bit rot and
 * damaged index files. Damage is done through the file-system port, so the same suite runs on
 * disk and in memory (see segment-log-store.test.ts).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import { batchHeaderBytes } from './batch-codec.js';
import { crc32c } from './crc32c.js';
import { CorruptLogError } from './log-errors.js';
import {
  appendAndRemember,
  assertRecordsMatch,
  createFixture,
  type ExpectedRecord,
  type LogFixture,
  type LogTestEnvironment,
  makeRecords,
  readAll,
  readFile,
  segmentFiles,
  writeFile,
} from './log-test-support.js';
import { indexEntryBytes } from './sparse-index.js';

const address = { streamKey: 'clicks', shardIndex: 0 };
const smallSegments = { segmentBytesMax: 4096, indexIntervalBytes: 512 };

/** Fills a shard across several segments, closes the store, and returns what it holds. */
async function writeLog(fixture: LogFixture, batchCount = 60): Promise<ExpectedRecord[]> {
  const store = fixture.open(smallSegments);
  const shard = await store.openShard(address);
  const random = seededRandom(21);
  const expected: ExpectedRecord[] = [];
  for (let batch = 0; batch < batchCount; batch++) {
    fixture.clock.nowMs += 1;
    await appendAndRemember(shard, makeRecords(random, 2 + (batch % 5)), expected);
  }
  await store.close();
  return expected;
}

async function shardFile(fixture: LogFixture, which: 'first' | 'last', suffix = '.log'): Promise<string> {
  const names = await segmentFiles(fixture, address.streamKey, address.shardIndex);
  const name = (which === 'first' ? names[0] : names.at(-1)) as string;
  return path.join(fixture.shardDirectory(address.streamKey, address.shardIndex), name.replace('.log', suffix));
}

export function logRecoverySuite(environment: LogTestEnvironment): void {
  describe(`segment log recovery over the ${environment.name} file system`, () => {
    test('a restart brings back every record, and appends continue where the log ended', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.equal(shard.endOffset(), expected.length);
      assert.equal(shard.lastArrivalMs(), expected.at(-1)?.arrivalMs);
      assertRecordsMatch(await readAll(shard), expected);
      fixture.clock.nowMs -= 1000;
      await appendAndRemember(shard, makeRecords(seededRandom(22), 3), expected);
      assert.equal(
        expected.at(-1)?.arrivalMs,
        expected.at(-4)?.arrivalMs,
        'arrival stays monotonic across the restart',
      );
      assertRecordsMatch(await readAll(shard), expected);
      assert.deepEqual(fixture.reports, []);
      await store.close();
    });

    test('a tail torn in the middle of a batch is truncated and reported, and earlier records survive', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const lastPath = await shardFile(fixture, 'last');
      const bytes = await readFile(fixture.fileSystem, lastPath);
      // Find the start of the last batch by walking headers, then tear it after its header.
      let lastBatchStart = 0;
      for (let position = 0; position < bytes.length; position += bytes.readUInt32LE(position + 4))
        lastBatchStart = position;
      const lastBatchCount = bytes.readUInt32LE(lastBatchStart + 24);
      await writeFile(fixture.fileSystem, lastPath, bytes.subarray(0, lastBatchStart + batchHeaderBytes + 5));

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      const survivors = expected.slice(0, expected.length - lastBatchCount);
      assert.equal(shard.endOffset(), survivors.length);
      assertRecordsMatch(await readAll(shard), survivors);
      assert.deepEqual(fixture.reports, [
        {
          kind: 'tail-truncated',
          streamKey: address.streamKey,
          shardIndex: address.shardIndex,
          segment: lastPath,
          validBytes: lastBatchStart,
          truncatedBytes: batchHeaderBytes + 5,
          recordCount: lastBatchCount,
          reason: 'torn-batch',
        },
      ]);
      const appended = await shard.append(makeRecords(seededRandom(23), 1));
      assert.equal(appended.firstOffset, survivors.length, 'the lost offsets are reused by new appends');
      await store.close();
    });

    test('garbage after the last batch is truncated and reported', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const lastPath = await shardFile(fixture, 'last');
      const bytes = await readFile(fixture.fileSystem, lastPath);
      await writeFile(
        fixture.fileSystem,
        lastPath,
        Buffer.concat([bytes, Buffer.from('not a batch at all, just noise from a crash')]),
      );

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assertRecordsMatch(await readAll(shard), expected);
      assert.equal(fixture.reports.length, 1);
      assert.deepEqual(fixture.reports[0], {
        kind: 'tail-truncated',
        streamKey: address.streamKey,
        shardIndex: address.shardIndex,
        segment: lastPath,
        validBytes: bytes.length,
        truncatedBytes: 43,
        recordCount: 0,
        reason: 'bad-magic',
      });
      await store.close();
    });

    test('a last segment torn before its first batch leaves an empty active segment and keeps the arrival time', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const lastPath = await shardFile(fixture, 'last');
      const lastBase = Number(path.basename(lastPath, '.log'));
      await writeFile(fixture.fileSystem, lastPath, (await readFile(fixture.fileSystem, lastPath)).subarray(0, 10));

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.equal(shard.endOffset(), lastBase);
      assert.equal(shard.lastArrivalMs(), expected[lastBase - 1]?.arrivalMs);
      assertRecordsMatch(await readAll(shard), expected.slice(0, lastBase));
      assert.equal(fixture.reports[0]?.kind, 'tail-truncated');
      await store.close();
    });

    test('a flipped byte in the active segment truncates the log from the damaged batch and reports it', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const lastPath = await shardFile(fixture, 'last');
      const lastBase = Number(path.basename(lastPath, '.log'));
      const bytes = await readFile(fixture.fileSystem, lastPath);
      const secondBatchStart = bytes.readUInt32LE(4);
      assert.ok(secondBatchStart < bytes.length, 'the active segment holds two batches or more');
      const firstBatchCount = bytes.readUInt32LE(24);
      bytes[secondBatchStart + batchHeaderBytes + 3] =
        (bytes[secondBatchStart + batchHeaderBytes + 3] as number) ^ 0x80;
      await writeFile(fixture.fileSystem, lastPath, bytes);

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.equal(shard.endOffset(), lastBase + firstBatchCount);
      assertRecordsMatch(await readAll(shard), expected.slice(0, lastBase + firstBatchCount));
      assert.deepEqual(
        fixture.reports.map(
          (report) =>
            report.kind === 'tail-truncated' && [
              report.validBytes,
              report.truncatedBytes,
              report.recordCount,
              report.reason,
            ],
        ),
        [
          [
            secondBatchStart,
            bytes.length - secondBatchStart,
            expected.length - lastBase - firstBatchCount,
            'bad-checksum',
          ],
        ],
      );
      await store.close();
    });

    test('an intact batch that does not continue the log stops the open instead of being cut away', async (t) => {
      const fixture = await createFixture(environment, t);
      await writeLog(fixture);
      const lastPath = await shardFile(fixture, 'last');
      const bytes = await readFile(fixture.fileSystem, lastPath);
      const secondBatchStart = bytes.readUInt32LE(4);
      assert.ok(secondBatchStart < bytes.length, 'the active segment holds two batches or more');
      bytes.writeUInt32LE(bytes.readUInt32LE(secondBatchStart + 16) + 1000, secondBatchStart + 16); // its baseOffset
      const secondBatchEnd = secondBatchStart + bytes.readUInt32LE(secondBatchStart + 4);
      bytes.writeUInt32LE(crc32c(bytes, secondBatchStart + 12, secondBatchEnd), secondBatchStart + 8);
      await writeFile(fixture.fileSystem, lastPath, bytes);

      const store = fixture.open(smallSegments);
      await assert.rejects(store.openShard(address), (error: unknown) => {
        assert.ok(error instanceof CorruptLogError);
        assert.deepEqual(
          [error.details.segment, error.details.byteStart, error.details.byteEnd],
          [lastPath, secondBatchStart, secondBatchEnd],
        );
        return true;
      });
      assert.equal((await readFile(fixture.fileSystem, lastPath)).length, bytes.length, 'nothing was truncated');
      assert.equal(fixture.reports.length, 0);
      await assert.rejects(store.openShard(address), CorruptLogError, 'a failed open is retried, not cached');
      await store.close();
    });

    test('a flipped byte in a sealed segment fails reads of it with CorruptLogError and is never served', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const firstPath = await shardFile(fixture, 'first');
      const bytes = await readFile(fixture.fileSystem, firstPath);
      const damagedPosition = bytes.readUInt32LE(4) + batchHeaderBytes + 30; // inside the second batch
      bytes[damagedPosition] = (bytes[damagedPosition] as number) ^ 0x01;
      await writeFile(fixture.fileSystem, firstPath, bytes);

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      const error = await shard.read(0, { recordCountMax: 1000, bytesMax: 10_000_000 }).then(
        () => assert.fail('a read over damaged bytes must fail'),
        (rejection: unknown) => rejection,
      );
      assert.ok(error instanceof CorruptLogError);
      assert.equal(error.details.segment, firstPath);
      assert.equal(error.details.reason, 'bad-checksum');
      assert.ok(error.details.byteStart <= damagedPosition && damagedPosition < error.details.byteEnd);
      // Records before the damaged batch, and later segments, are still served.
      const firstBatchCount = bytes.readUInt32LE(24);
      assert.equal(
        (await shard.read(0, { recordCountMax: firstBatchCount, bytesMax: 10_000_000 })).records.length,
        firstBatchCount,
      );
      const secondSegmentBase = expected.length - (await readAll(shard, expected.length - 5)).length;
      assert.ok(secondSegmentBase > 0);
      await store.close();
    });

    test('an index file that cannot be trusted is rebuilt, reported, and rewritten', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const indexPath = await shardFile(fixture, 'first', '.index');
      const original = await readFile(fixture.fileSystem, indexPath);
      assert.ok(original.length >= 2 * indexEntryBytes, 'the sealed segment has several index entries');
      const damaged = Buffer.from(original);
      damaged.writeUInt32LE(0xffff_fff0, indexEntryBytes + 4); // second entry points past the file
      await writeFile(fixture.fileSystem, indexPath, damaged);

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.equal(fixture.reports.length, 1);
      assert.equal(fixture.reports[0]?.kind, 'index-rebuilt');
      assert.match(fixture.reports[0]?.reason ?? '', /past the segment end/);
      assert.ok(
        (await readFile(fixture.fileSystem, indexPath)).equals(original),
        'the rebuilt index equals the one written at seal',
      );
      assertRecordsMatch(await readAll(shard, 0, 3), expected);
      await store.close();
    });

    test('a missing index file is rebuilt and reported', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const indexPath = await shardFile(fixture, 'first', '.index');
      const original = await readFile(fixture.fileSystem, indexPath);
      await fixture.fileSystem.remove(indexPath);

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.deepEqual(
        fixture.reports.map((report) => [report.kind, report.reason]),
        [['index-rebuilt', 'missing']],
      );
      assert.ok((await readFile(fixture.fileSystem, indexPath)).equals(original));
      assertRecordsMatch(await readAll(shard), expected);
      await store.close();
    });

    test('an index entry that points at the wrong batch is caught when a read relies on it', async (t) => {
      const fixture = await createFixture(environment, t);
      const expected = await writeLog(fixture);
      const indexPath = await shardFile(fixture, 'first', '.index');
      const original = await readFile(fixture.fileSystem, indexPath);
      assert.ok(original.length >= 3 * indexEntryBytes, 'the sealed segment has a middle index entry');
      // Shift the middle entry's offset by one: still increasing, so the open-time checks pass.
      const damaged = Buffer.from(original);
      const relativeOffset = damaged.readUInt32LE(indexEntryBytes);
      damaged.writeUInt32LE(relativeOffset + 1, indexEntryBytes);
      await writeFile(fixture.fileSystem, indexPath, damaged);

      const store = fixture.open(smallSegments);
      const shard = await store.openShard(address);
      assert.equal(fixture.reports.length, 0, 'the open-time checks let the damage through');
      const read = await shard.read(relativeOffset + 1, { recordCountMax: 3, bytesMax: 1_000_000 });
      assertRecordsMatch(read.records, expected.slice(relativeOffset + 1, relativeOffset + 4));
      assert.equal(fixture.reports[0]?.kind, 'index-rebuilt');
      assert.ok((await readFile(fixture.fileSystem, indexPath)).equals(original));
      await store.close();
    });

    test('a restart restores segments that each hold a single oversized batch', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 1024 });
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendAndRemember(shard, [{ partitionKey: 'a', hashKey: 1n, data: Buffer.alloc(2000) }], expected);
      await appendAndRemember(shard, [{ partitionKey: 'b', hashKey: 2n, data: Buffer.alloc(1500, 2) }], expected);
      await store.close();
      const reopenedStore = fixture.open({ segmentBytesMax: 1024 });
      const reopened = await reopenedStore.openShard(address);
      assert.equal(reopened.endOffset(), 2);
      assert.equal(reopened.lastArrivalMs(), expected[1]?.arrivalMs);
      assertRecordsMatch(await readAll(reopened), expected);
      assert.deepEqual(fixture.reports, []);
      await reopenedStore.close();
    });
  });
}
