/** The offline shard check finds every kind of damage, names it precisely, and changes nothing. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import { batchHeaderBytes } from './batch-codec.js';
import { type LogFileSystem, memoryFileSystem } from './file-system.js';
import {
  appendAndRemember,
  type ExpectedRecord,
  ManualClock,
  makeRecords,
  readFile,
  writeFile,
} from './log-test-support.js';
import { readOnlyView } from './read-only-file-system.js';
import { SegmentLogStore } from './segment-log-store.js';
import { verifyShard } from './verify-shard.js';

const shard = { streamKey: 'checked', shardIndex: 1, directory: '/data/log/checked/000001' };
const indexIntervalBytes = 256;

/** A shard of several segments whose active one holds two batches or more, written and closed cleanly. */
async function writeShard(): Promise<{ fileSystem: LogFileSystem; expected: ExpectedRecord[]; segments: string[] }> {
  const fileSystem = memoryFileSystem();
  const clock = new ManualClock();
  const store = new SegmentLogStore({
    fileSystem,
    directory: '/data/log',
    durability: 'fsync',
    segmentBytesMax: 2048,
    indexIntervalBytes,
    clock: clock.read,
  });
  const log = await store.openShard(shard);
  const random = seededRandom(3);
  const expected: ExpectedRecord[] = [];
  for (let batch = 0; batch < 40; batch++) {
    clock.nowMs += 1;
    await appendAndRemember(log, makeRecords(random, 1 + (batch % 4)), expected);
  }
  const segmentsNow = async (): Promise<string[]> =>
    (await fileSystem.list(shard.directory))
      .filter((name) => name.endsWith('.log'))
      .map((name) => path.join(shard.directory, name));
  // Small batches until the active segment holds two (a roll may have just emptied it).
  for (;;) {
    const active = await readFile(fileSystem, (await segmentsNow()).at(-1) as string);
    if (active.length > 0 && active.readUInt32LE(4) < active.length) break;
    await appendAndRemember(log, makeRecords(random, 1, 10), expected);
  }
  await store.close();
  return { fileSystem, expected, segments: await segmentsNow() };
}

async function snapshot(fileSystem: LogFileSystem): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await fileSystem.list(shard.directory)) {
    files.set(name, (await readFile(fileSystem, path.join(shard.directory, name))).toString('hex'));
  }
  return files;
}

function check(fileSystem: LogFileSystem) {
  return verifyShard(readOnlyView(fileSystem), shard, { indexIntervalBytes });
}

describe('verifyShard', () => {
  test('a clean shard has no findings, and the summary counts its segments and records', async () => {
    const { fileSystem, expected, segments } = await writeShard();
    const { summary, findings } = await check(fileSystem);
    assert.deepEqual(findings, []);
    assert.ok(segments.length >= 4);
    assert.equal(summary.segmentCount, segments.length);
    assert.equal(summary.recordCount, expected.length);
    assert.ok(summary.batchCount >= 40);
    assert.deepEqual([summary.startOffset, summary.endOffset], [0, expected.length]);
  });

  test('a flipped bit in a sealed segment is one corrupt batch, named by file, byte range, offset and record count', async () => {
    const { fileSystem, expected, segments } = await writeShard();
    const sealed = segments[1] as string;
    const bytes = await readFile(fileSystem, sealed);
    const secondBatch = bytes.readUInt32LE(4);
    const secondBatchEnd = secondBatch + bytes.readUInt32LE(secondBatch + 4);
    const damagedCount = bytes.readUInt32LE(secondBatch + 24);
    const firstOffset = Number(path.basename(sealed, '.log')) + bytes.readUInt32LE(24);
    bytes[secondBatch + batchHeaderBytes + 5] = (bytes[secondBatch + batchHeaderBytes + 5] as number) ^ 0x10;
    await writeFile(fileSystem, sealed, bytes);
    const before = await snapshot(fileSystem);

    const { summary, findings } = await check(fileSystem);
    assert.deepEqual(findings, [
      {
        severity: 'error',
        kind: 'corrupt-batch',
        streamKey: shard.streamKey,
        shardIndex: shard.shardIndex,
        path: sealed,
        byteStart: secondBatch,
        byteEnd: secondBatchEnd,
        recordCount: damagedCount,
        firstOffset,
        message: `bad-checksum: a batch of ${damagedCount} records from offset ${firstOffset} is damaged`,
      },
    ]);
    assert.equal(summary.recordCount, expected.length - damagedCount, 'the walk resumed after the damaged batch');
    assert.equal(summary.endOffset, expected.length);
    assert.deepEqual(await snapshot(fileSystem), before, 'verify changed nothing');
  });

  test('a damaged header stops the walk of its segment and reports the rest as unreadable', async () => {
    const { fileSystem, segments } = await writeShard();
    const sealed = segments[0] as string;
    const bytes = await readFile(fileSystem, sealed);
    const secondBatch = bytes.readUInt32LE(4);
    bytes[secondBatch] = 0; // its magic
    await writeFile(fileSystem, sealed, bytes);
    const { findings } = await check(fileSystem);
    assert.deepEqual(
      findings.map((finding) => [finding.kind, finding.path, finding.byteStart, finding.byteEnd]),
      [
        ['corrupt-batch', sealed, secondBatch, bytes.length],
        // The next segment then seems to start past where the readable part ended.
        ['offset-gap', segments[1], undefined, undefined],
      ],
    );
  });

  test('a torn tail of the active segment is a warning: the next start cuts it', async () => {
    const { fileSystem, segments } = await writeShard();
    const active = segments.at(-1) as string;
    const bytes = await readFile(fileSystem, active);
    const torn = Buffer.concat([bytes, bytes.subarray(0, batchHeaderBytes + 10)]);
    await writeFile(fileSystem, active, torn);
    const { findings } = await check(fileSystem);
    assert.deepEqual(
      findings.map((finding) => [
        finding.severity,
        finding.kind,
        finding.byteStart,
        finding.byteEnd,
        finding.recordCount,
      ]),
      [['warning', 'torn-tail', bytes.length, torn.length, bytes.readUInt32LE(24)]],
    );
  });

  test('damage inside the active segment with intact batches after it is an error', async () => {
    const { fileSystem, segments } = await writeShard();
    const active = segments.at(-1) as string;
    const bytes = await readFile(fileSystem, active);
    bytes[batchHeaderBytes + 2] = (bytes[batchHeaderBytes + 2] as number) ^ 0x01;
    await writeFile(fileSystem, active, bytes);
    const { findings } = await check(fileSystem);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.severity, 'error');
    assert.equal(findings[0]?.kind, 'corrupt-batch');
    assert.match(findings[0]?.message ?? '', /truncates the active segment here/);
  });

  test('index files: missing, invalid and stale ones are warnings; orphans and strangers too', async () => {
    const { fileSystem, segments } = await writeShard();
    const indexOf = (segment: string): string => segment.replace(/\.log$/, '.index');
    await fileSystem.remove(indexOf(segments[0] as string));
    await writeFile(fileSystem, indexOf(segments[1] as string), Buffer.alloc(20));
    const stale = await readFile(fileSystem, indexOf(segments[2] as string));
    await writeFile(fileSystem, indexOf(segments[2] as string), stale.subarray(0, 16));
    await writeFile(fileSystem, path.join(shard.directory, '00000000000099999999.index'), Buffer.alloc(0));
    await writeFile(fileSystem, path.join(shard.directory, 'notes.txt'), Buffer.from('hello'));
    const { findings } = await check(fileSystem);
    assert.deepEqual(findings.map((finding) => [finding.severity, finding.kind]).sort(), [
      ['warning', 'index-invalid'],
      ['warning', 'index-mismatch'],
      ['warning', 'index-missing'],
      ['warning', 'orphan-index'],
      ['warning', 'unexpected-file'],
    ]);
  });

  test('the check refuses to write', async () => {
    const view = readOnlyView(memoryFileSystem());
    await assert.rejects(view.mkdirp('/x'), { code: 'EROFS' });
    await assert.rejects(view.open('/missing.log'), { code: 'ENOENT' });
  });
});
