/**
 * Conformance suite of sealed (encrypted) batches in the segment log: what is sealed reads back
 * exactly with its key, never without it, never appears in the clear on disk, and recovery,
 * timestamp lookups and checksums keep working without any key. Run over every file system.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import type { DataKey, ReadOptions, ShardLog } from '../ports.js';
import { CorruptLogError, DataKeyUnavailableError } from './log-errors.js';
import {
  assertRecordsMatch,
  createFixture,
  type ExpectedRecord,
  type LogTestEnvironment,
  makeRecords,
  readFile,
  segmentFiles,
  writeFile,
} from './log-test-support.js';

const address = { streamKey: 'sealed-1', shardIndex: 0 };
const firstKey: DataKey = { id: 1, key: randomBytes(32) };
const secondKey: DataKey = { id: 2, key: randomBytes(32) };
const bothKeys: ReadOptions = {
  dataKey: (id) => [firstKey, secondKey].find((candidate) => candidate.id === id)?.key,
};
const bytesMax = 10 * 1024 * 1024;

async function readEverything(shard: ShardLog, options: ReadOptions) {
  return (await shard.read(shard.startOffset(), { recordCountMax: 100_000, bytesMax }, options)).records;
}

/** Appends `count` one-record batches whose data starts with `marker`, sealed when a key is given. */
async function appendMarked(
  shard: ShardLog,
  marker: string,
  count: number,
  key: DataKey | undefined,
  expected: ExpectedRecord[],
): Promise<void> {
  for (let index = 0; index < count; index++) {
    const record = {
      partitionKey: `${marker}-key-${index}`,
      hashKey: BigInt(index),
      data: Buffer.from(`${marker}-${index}`),
    };
    const result = await shard.append([record], key === undefined ? {} : { encryption: key });
    expected.push({ offset: result.firstOffset, arrivalMs: result.arrivalMs, record });
  }
}

export function logSealedSuite(environment: LogTestEnvironment): void {
  describe(`sealed batches over the ${environment.name} file system`, () => {
    test('plain and sealed batches read back exactly across a key switch and segment rolls', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open({ segmentBytesMax: 1024, indexIntervalBytes: 128 });
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendMarked(shard, 'plain', 10, undefined, expected);
      await appendMarked(shard, 'first', 10, firstKey, expected);
      await appendMarked(shard, 'second', 10, secondKey, expected);
      const batchRecords = makeRecords(seededRandom(51), 20);
      const batch = await shard.append(batchRecords, { encryption: secondKey });
      for (const [index, record] of batchRecords.entries()) {
        expected.push({ offset: batch.firstOffset + index, arrivalMs: batch.arrivalMs, record });
      }
      assert.ok((await segmentFiles(fixture, address.streamKey, address.shardIndex)).length > 3, 'rolled');

      const records = await readEverything(shard, bothKeys);
      assertRecordsMatch(records, expected);
      assert.deepEqual(
        records.map((record) => record.encrypted === true),
        expected.map((_, index) => index >= 10),
      );
      await store.close();
    });

    test('sealed data never appears in the clear in the segment files', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      await appendMarked(shard, 'visible-marker', 3, undefined, []);
      await appendMarked(shard, 'hidden-marker', 3, firstKey, []);
      const [file] = await segmentFiles(fixture, address.streamKey, address.shardIndex);
      const bytes = await readFile(fixture.fileSystem, `${fixture.shardDirectory(address.streamKey, 0)}/${file}`);
      assert.ok(bytes.includes('visible-marker'), 'plain records are stored as written');
      assert.ok(!bytes.includes('hidden-marker'), 'sealed records are not');
      assert.ok(!bytes.includes('hidden-marker-key'), 'nor are their partition keys');
      await store.close();
    });

    test('a sealed batch is never served without its key, nor with a wrong one', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      await appendMarked(shard, 'plain', 2, undefined, expected);
      await appendMarked(shard, 'sealed', 2, firstKey, expected);
      // Plain records before the sealed batch are served; the read stops at the sealed one.
      const plainOnly = await shard.read(0, { recordCountMax: 2, bytesMax });
      assertRecordsMatch(plainOnly.records, expected.slice(0, 2));
      await assert.rejects(shard.read(2, { recordCountMax: 10, bytesMax }), DataKeyUnavailableError);
      await assert.rejects(
        shard.read(2, { recordCountMax: 10, bytesMax }, { dataKey: () => undefined }),
        DataKeyUnavailableError,
      );
      await assert.rejects(
        shard.read(2, { recordCountMax: 10, bytesMax }, { dataKey: () => secondKey.key }),
        (error: unknown) => error instanceof CorruptLogError && error.details.reason === 'bad-seal',
      );
      await store.close();
    });

    test('recovery and timestamp lookups need no key, and a flipped bit is caught by the checksum', async (t) => {
      const fixture = await createFixture(environment, t);
      // One sealed batch per segment: the damaged one below sits in a sealed segment.
      const options = { segmentBytesMax: 160 };
      const store = fixture.open(options);
      const shard = await store.openShard(address);
      const expected: ExpectedRecord[] = [];
      for (let index = 0; index < 5; index++) {
        fixture.clock.nowMs += 10;
        await appendMarked(shard, `sealed-${index}`, 1, firstKey, expected);
      }
      await store.close();

      const reopened = fixture.open(options);
      const again = await reopened.openShard(address);
      assert.deepEqual(fixture.reports, [], 'the sealed tail verifies without a key');
      assert.equal(again.endOffset(), 5);
      assert.equal(await again.offsetAtOrAfter((expected[3] as ExpectedRecord).arrivalMs), 3);
      assertRecordsMatch(await readEverything(again, bothKeys), expected);
      await reopened.close();

      const [first] = await segmentFiles(fixture, address.streamKey, address.shardIndex);
      const filePath = `${fixture.shardDirectory(address.streamKey, 0)}/${first}`;
      const damaged = await readFile(fixture.fileSystem, filePath);
      // Inside the first batch's ciphertext: past its header and nonce.
      damaged[60] = (damaged[60] as number) ^ 0x01;
      await writeFile(fixture.fileSystem, filePath, damaged);
      const damagedStore = fixture.open(options);
      const damagedShard = await damagedStore.openShard(address);
      // The checksum covers the stored (encrypted) bytes: the damage is found before any key is used.
      await assert.rejects(
        damagedShard.read(0, { recordCountMax: 10, bytesMax }),
        (error: unknown) => error instanceof CorruptLogError && error.details.reason === 'bad-checksum',
      );
      assertRecordsMatch(
        (await damagedShard.read(1, { recordCountMax: 10, bytesMax }, bothKeys)).records,
        expected.slice(1),
      );
      await damagedStore.close();
    });
  });
}
