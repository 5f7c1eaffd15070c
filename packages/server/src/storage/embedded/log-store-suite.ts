/**
 * Conformance suite of the segment LogStore: appends, reads, group commit, timestamp lookups and
 * lifecycle. Written once and run over every file system (see segment-log-store.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { AppendResult } from '../ports.js';
import { LogClosedError, LogWriteFailedError } from './log-errors.js';
import {
  appendAndRemember,
  assertRecordsMatch,
  createFixture,
  type ExpectedRecord,
  gate,
  type LogTestEnvironment,
  makeRecords,
  readAll,
  segmentFiles,
} from './log-test-support.js';

const address = { streamKey: 'orders-1', shardIndex: 3 };

export function logStoreSuite(environment: LogTestEnvironment): void {
  describe(`segment log store over the ${environment.name} file system`, () => {
    test('a new shard is an empty log at offset 0', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      assert.equal(shard.startOffset(), 0);
      assert.equal(shard.endOffset(), 0);
      assert.equal(shard.lastArrivalMs(), undefined);
      assert.deepEqual(await shard.read(0, { recordCountMax: 10, bytesMax: 1000 }), { records: [], nextOffset: 0 });
      assert.equal(await shard.offsetAtOrAfter(0), 0);
      await store.close();
    });

    test('appended records read back byte for byte across many segment rolls', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 4096, indexIntervalBytes: 512 });
      const shard = await store.openShard(address);
      const random = seededRandom(1);
      const expected: ExpectedRecord[] = [];
      for (let batch = 0; batch < 120; batch++) {
        fixture.clock.nowMs += Math.floor(random() * 3);
        await appendAndRemember(shard, makeRecords(random, 1 + Math.floor(random() * 8)), expected);
      }
      assert.ok(
        (await segmentFiles(fixture, address.streamKey, address.shardIndex)).length > 10,
        'the log rolled many times',
      );
      assert.equal(shard.endOffset(), expected.length);
      assertRecordsMatch(await readAll(shard), expected);
      for (const from of [1, 17, 250, expected.length - 1])
        assertRecordsMatch(await readAll(shard, from, 5), expected.slice(from));
      await store.close();
    });

    test('a read stops at recordCountMax and continues from nextOffset', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendAndRemember(shard, makeRecords(seededRandom(2), 10), expected);
      const first = await shard.read(0, { recordCountMax: 4, bytesMax: 1_000_000 });
      assert.deepEqual(
        first.records.map((record) => record.offset),
        [0, 1, 2, 3],
      );
      assert.equal(first.nextOffset, 4);
      const rest = await shard.read(first.nextOffset, { recordCountMax: 100, bytesMax: 1_000_000 });
      assertRecordsMatch(rest.records, expected.slice(4));
      assert.equal(rest.nextOffset, 10);
      await store.close();
    });

    test('a read stops before the record that would exceed bytesMax but always returns one', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const records = [100, 100, 100].map((size) => ({ partitionKey: 'k', hashKey: 0n, data: Buffer.alloc(size, 1) }));
      await shard.append(records);
      // Each record counts 101 bytes (data plus partition key).
      assert.equal((await shard.read(0, { recordCountMax: 10, bytesMax: 202 })).records.length, 2);
      assert.equal((await shard.read(0, { recordCountMax: 10, bytesMax: 201 })).records.length, 1);
      assert.equal((await shard.read(0, { recordCountMax: 10, bytesMax: 1 })).records.length, 1);
      assert.equal((await shard.read(2, { recordCountMax: 10, bytesMax: 1 })).nextOffset, 3);
      await store.close();
    });

    test('a read at or beyond the end returns no records and the same offset', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      await shard.append(makeRecords(seededRandom(3), 3));
      assert.deepEqual(await shard.read(3, { recordCountMax: 10, bytesMax: 1000 }), { records: [], nextOffset: 3 });
      assert.deepEqual(await shard.read(9, { recordCountMax: 10, bytesMax: 1000 }), { records: [], nextOffset: 9 });
      await store.close();
    });

    test('a batch larger than segmentBytesMax gets a segment of its own', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 1024 });
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendAndRemember(shard, [{ partitionKey: 'a', hashKey: 1n, data: Buffer.alloc(100) }], expected);
      await appendAndRemember(shard, [{ partitionKey: 'b', hashKey: 2n, data: Buffer.alloc(5000, 7) }], expected);
      await appendAndRemember(shard, [{ partitionKey: 'c', hashKey: 3n, data: Buffer.alloc(100) }], expected);
      assert.deepEqual(await segmentFiles(fixture, address.streamKey, address.shardIndex), [
        '00000000000000000000.log',
        '00000000000000000001.log',
        '00000000000000000002.log',
      ]);
      assertRecordsMatch(await readAll(shard), expected);
      await store.close();
    });

    test('concurrent appends share syncs and get offsets in call order', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const random = seededRandom(4);
      const batches = Array.from({ length: 100 }, () => makeRecords(random, 3));
      const syncsBefore = fixture.fileSystem.syncCount;
      const results = await Promise.all(batches.map((records) => shard.append(records)));
      const syncs = fixture.fileSystem.syncCount - syncsBefore;
      assert.ok(syncs < batches.length / 10, `100 appends took ${syncs} syncs`);
      assert.deepEqual(
        results.map((result) => result.firstOffset),
        batches.map((_, index) => index * 3),
      );
      await store.close();
    });

    test('records are invisible to readers until their sync completes', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      await shard.append(makeRecords(seededRandom(5), 2));
      const held = gate();
      fixture.fileSystem.beforeSync = () => held.promise;
      const resolved: AppendResult[] = [];
      const appending = shard.append(makeRecords(seededRandom(6), 3)).then((appended) => resolved.push(appended));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(resolved.length, 0, 'the append waits for its sync');
      assert.equal(shard.endOffset(), 2);
      assert.equal((await shard.read(0, { recordCountMax: 100, bytesMax: 1_000_000 })).records.length, 2);
      held.open();
      await appending;
      assert.equal(resolved[0]?.firstOffset, 2);
      assert.equal(shard.endOffset(), 5);
      assert.equal((await shard.read(0, { recordCountMax: 100, bytesMax: 1_000_000 })).records.length, 5);
      await store.close();
    });

    test('under durability "os" appends resolve without any sync', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ durability: 'os' });
      const shard = await store.openShard(address);
      const syncsBefore = fixture.fileSystem.syncCount;
      await Promise.all([1, 2, 3].map(() => shard.append(makeRecords(seededRandom(7), 2))));
      assert.equal(fixture.fileSystem.syncCount, syncsBefore);
      assert.equal(shard.endOffset(), 6);
      await store.close();
    });

    test('appends beyond the queue bound wait and still get offsets in call order', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ durability: 'os', appendQueueBytesMax: 32 * 1024 * 1024 });
      const shard = await store.openShard(address);
      const big = (fill: number) => [{ partitionKey: 'k', hashKey: 0n, data: Buffer.alloc(12 * 1024 * 1024, fill) }];
      const writesBefore = fixture.fileSystem.writeCount;
      const results = await Promise.all([1, 2, 3, 4].map((fill) => shard.append(big(fill))));
      assert.deepEqual(
        results.map((result) => result.firstOffset),
        [0, 1, 2, 3],
      );
      // Two batches fit the bound at once, so four batches need at least two write rounds.
      assert.ok(fixture.fileSystem.writeCount - writesBefore >= 2);
      const read = await shard.read(0, { recordCountMax: 4, bytesMax: 64 * 1024 * 1024 });
      assert.deepEqual(
        read.records.map((record) => record.data[0]),
        [1, 2, 3, 4],
      );
      await store.close();
    });

    test('arrival times never go backwards even when the clock does', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const first = await shard.append(makeRecords(seededRandom(8), 1));
      fixture.clock.nowMs -= 5000;
      const second = await shard.append(makeRecords(seededRandom(9), 1));
      assert.equal(second.arrivalMs, first.arrivalMs);
      assert.equal(shard.lastArrivalMs(), first.arrivalMs);
      await store.close();
    });

    test('offsetAtOrAfter finds the first record that arrived at or after a time', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 2048, indexIntervalBytes: 256 });
      const shard = await store.openShard(address);
      const random = seededRandom(10);
      const arrivals: number[] = [];
      for (let batch = 0; batch < 80; batch++) {
        // Runs of equal arrival times, as when many batches land in one millisecond.
        if (batch % 3 === 0) fixture.clock.nowMs += 10;
        const result = await shard.append(makeRecords(random, 1 + (batch % 4)));
        for (let index = 0; index < 1 + (batch % 4); index++) arrivals.push(result.arrivalMs);
      }
      const firstArrival = arrivals[0] as number;
      const lastArrival = arrivals.at(-1) as number;
      for (let timestampMs = firstArrival - 15; timestampMs <= lastArrival + 15; timestampMs += 3) {
        const want = arrivals.findIndex((arrivalMs) => arrivalMs >= timestampMs);
        assert.equal(
          await shard.offsetAtOrAfter(timestampMs),
          want === -1 ? arrivals.length : want,
          `at ${timestampMs}`,
        );
      }
      await store.close();
    });

    test('openShard returns the same log for the same address', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const [first, second] = await Promise.all([store.openShard(address), store.openShard(address)]);
      assert.equal(first, second);
      assert.equal(await store.openShard(address), first);
      assert.notEqual(await store.openShard({ ...address, shardIndex: 4 }), first);
      await store.close();
    });

    test('stream keys that could name another path are refused', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      for (const streamKey of ['', '..', 'a/b', 'Orders', 'x'.repeat(65), 'a b']) {
        assert.throws(() => store.openShard({ streamKey, shardIndex: 0 }), assert.AssertionError, streamKey);
      }
      await store.close();
    });

    test('deleteStream removes every shard of the stream and only that stream', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      for (const shardIndex of [0, 1])
        await (await store.openShard({ streamKey: 'doomed', shardIndex })).append(makeRecords(seededRandom(11), 2));
      await (await store.openShard({ streamKey: 'kept', shardIndex: 0 })).append(makeRecords(seededRandom(12), 2));
      await store.deleteStream('doomed');
      assert.deepEqual(await fixture.fileSystem.list(fixture.directory), ['kept']);
      const reopened = await store.openShard({ streamKey: 'doomed', shardIndex: 0 });
      assert.equal(reopened.endOffset(), 0);
      assert.equal((await store.openShard({ streamKey: 'kept', shardIndex: 0 })).endOffset(), 2);
      await store.close();
    });

    test('close waits for appends in flight and later appends are refused', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const appending = Promise.all([1, 2, 3].map(() => shard.append(makeRecords(seededRandom(13), 2))));
      await store.close();
      assert.equal((await appending).length, 3);
      assert.equal(shard.endOffset(), 6);
      await assert.rejects(shard.append(makeRecords(seededRandom(14), 1)), LogClosedError);
      await assert.rejects(shard.read(0, { recordCountMax: 1, bytesMax: 1 }), LogClosedError);
      await assert.rejects(store.openShard(address), LogClosedError);
    });

    test('a failed sync fails its appends and every later one, and committed records stay readable', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendAndRemember(shard, makeRecords(seededRandom(15), 2), expected);
      fixture.fileSystem.beforeSync = async () => {
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      };
      await assert.rejects(shard.append(makeRecords(seededRandom(16), 2)), LogWriteFailedError);
      fixture.fileSystem.beforeSync = undefined;
      await assert.rejects(shard.append(makeRecords(seededRandom(17), 2)), LogWriteFailedError);
      assert.equal(shard.endOffset(), 2);
      assertRecordsMatch(await readAll(shard), expected);
      await store.close();
    });
  });
}
