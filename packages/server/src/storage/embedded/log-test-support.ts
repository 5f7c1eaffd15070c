/**
 * Test support for the segment log: environments (disk and memory) the shared suites run over,
 * a probing file-system wrapper that counts syncs and can hold or fail them, and helpers that
 * generate, read back and compare records. Imported by tests only.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { seededBytes } from '../../testing/random.js';
import type { AppendRecord, LogRecord, ShardLog } from '../ports.js';
import { type LogFile, type LogFileSystem, memoryFileSystem, nodeFileSystem } from './file-system.js';
import { type RecoveryReport, SegmentLogStore, type SegmentLogStoreOptions } from './segment-log-store.js';

/** A file system under test and the directory the store keeps its logs in. */
export interface LogTestEnvironment {
  readonly name: string;
  create(): Promise<{ fileSystem: LogFileSystem; directory: string; cleanup: () => Promise<void> }>;
}

export const nodeEnvironment: LogTestEnvironment = {
  name: 'node',
  async create() {
    const root = await mkdtemp(path.join(tmpdir(), 'tributary-log-'));
    return {
      fileSystem: nodeFileSystem(),
      directory: path.join(root, 'log'),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
};

export const memoryEnvironment: LogTestEnvironment = {
  name: 'memory',
  async create() {
    return { fileSystem: memoryFileSystem(), directory: '/data/log', cleanup: async () => undefined };
  },
};

/**
 * Wraps a file system to count writes, syncs, durable writes and reads, and to hold or fail syncs
 * and durable writes on demand. With `durableWrites`, its files offer `writeDurably` (a write, then
 * a sync of the inner file, counted once as a durable write), as the node file system's do.
 */
export class ProbeFileSystem implements LogFileSystem {
  syncCount = 0;
  writeCount = 0;
  durableWriteCount = 0;
  readCount = 0;
  /** When set, every file sync awaits it first; throwing from it fails the sync. */
  beforeSync: (() => Promise<void>) | undefined;
  /** When set, every durable write awaits it first. */
  beforeDurableWrite: (() => Promise<void>) | undefined;

  constructor(
    private readonly inner: LogFileSystem,
    private readonly options: { durableWrites?: boolean } = {},
  ) {}

  mkdirp(directory: string): Promise<void> {
    return this.inner.mkdirp(directory);
  }
  list(directory: string): Promise<string[]> {
    return this.inner.list(directory);
  }
  remove(filePath: string): Promise<void> {
    return this.inner.remove(filePath);
  }
  removeDir(directory: string): Promise<void> {
    return this.inner.removeDir(directory);
  }
  syncDir(directory: string): Promise<void> {
    return this.inner.syncDir(directory);
  }

  async open(filePath: string): Promise<LogFile> {
    const file = await this.inner.open(filePath);
    const probed: LogFile = {
      size: () => file.size(),
      write: async (buffers, position) => {
        this.writeCount += 1;
        await file.write(buffers, position);
      },
      sync: async () => {
        this.syncCount += 1;
        if (this.beforeSync !== undefined) await this.beforeSync();
        await file.sync();
      },
      read: (target, targetOffset, length, position) => {
        this.readCount += 1;
        return file.read(target, targetOffset, length, position);
      },
      truncate: (sizeBytes) => file.truncate(sizeBytes),
      close: () => file.close(),
    };
    if (this.options.durableWrites) {
      probed.writeDurably = async (buffers, position) => {
        this.durableWriteCount += 1;
        if (this.beforeDurableWrite !== undefined) await this.beforeDurableWrite();
        await file.write(buffers, position);
        await file.sync();
      };
    }
    return probed;
  }
}

/** A promise the test resolves by hand, to hold an operation at a known point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public nowMs = 1_700_000_000_000) {}
  readonly read = (): number => this.nowMs;
}

/** One test's world: a probed file system, a clock, the recovery reports, and a store factory. */
export interface LogFixture {
  readonly fileSystem: ProbeFileSystem;
  readonly directory: string;
  readonly clock: ManualClock;
  readonly reports: RecoveryReport[];
  open(overrides?: Partial<SegmentLogStoreOptions>): SegmentLogStore;
  shardDirectory(streamKey: string, shardIndex: number): string;
}

/** Creates a fixture whose files are removed after the test (`test` is the node:test context). */
export async function createFixture(
  environment: LogTestEnvironment,
  test: { after(hook: () => Promise<void>): void },
): Promise<LogFixture> {
  const created = await environment.create();
  test.after(created.cleanup);
  const fileSystem = new ProbeFileSystem(created.fileSystem);
  const clock = new ManualClock();
  const reports: RecoveryReport[] = [];
  return {
    fileSystem,
    directory: created.directory,
    clock,
    reports,
    open: (overrides = {}) =>
      new SegmentLogStore({
        fileSystem,
        directory: created.directory,
        durability: 'fsync',
        clock: clock.read,
        onRecovery: (report) => reports.push(report),
        ...overrides,
      }),
    shardDirectory: (streamKey, shardIndex) =>
      path.join(created.directory, streamKey, String(shardIndex).padStart(6, '0')),
  };
}

/** Records of varied sizes (partition keys up to 32 UTF-8 characters, data up to `dataBytesMax`). */
export function makeRecords(random: () => number, count: number, dataBytesMax = 300): AppendRecord[] {
  return Array.from({ length: count }, () => {
    const keyLength = 1 + Math.floor(random() * 32);
    const partitionKey = Array.from({ length: keyLength }, () => 'aé€x'.charAt(Math.floor(random() * 4))).join('');
    const hashKey = (BigInt(Math.floor(random() * 2 ** 32)) << 96n) | BigInt(Math.floor(random() * 2 ** 32));
    return { partitionKey, hashKey, data: seededBytes(random, Math.floor(random() * (dataBytesMax + 1))) };
  });
}

/** What the log should hold: every appended record with the offset and arrival it was given. */
export interface ExpectedRecord {
  readonly offset: number;
  readonly arrivalMs: number;
  readonly record: AppendRecord;
}

export async function appendAndRemember(
  shard: ShardLog,
  records: readonly AppendRecord[],
  expected: ExpectedRecord[],
): Promise<void> {
  const result = await shard.append(records);
  for (const [index, record] of records.entries()) {
    expected.push({ offset: result.firstOffset + index, arrivalMs: result.arrivalMs, record });
  }
}

/** Reads from `fromOffset` to the end in reads of at most `recordCountMax` records. */
export async function readAll(shard: ShardLog, fromOffset = 0, recordCountMax = 37): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  let offset = fromOffset;
  while (offset < shard.endOffset()) {
    const result = await shard.read(offset, { recordCountMax, bytesMax: 10 * 1024 * 1024 });
    assert.ok(result.records.length > 0, `a read at ${offset} below the end ${shard.endOffset()} returns records`);
    assert.equal(result.records[0]?.offset, offset, 'reads start at the requested offset');
    records.push(...result.records);
    offset = result.nextOffset;
  }
  return records;
}

export function assertRecordsMatch(actual: readonly LogRecord[], expected: readonly ExpectedRecord[]): void {
  assert.equal(actual.length, expected.length, 'record count');
  actual.forEach((record, index) => {
    const want = expected[index] as ExpectedRecord;
    assert.equal(record.offset, want.offset, `offset of record ${index}`);
    assert.equal(record.arrivalMs, want.arrivalMs, `arrival of record ${index}`);
    assert.equal(record.partitionKey, want.record.partitionKey, `partition key of record ${index}`);
    assert.equal(record.hashKey, want.record.hashKey, `hash key of record ${index}`);
    assert.ok(record.data.equals(want.record.data), `data of record ${index}`);
  });
}

/** Segment `.log` files of a shard, oldest first. */
export async function segmentFiles(fixture: LogFixture, streamKey: string, shardIndex: number): Promise<string[]> {
  const names = await fixture.fileSystem.list(fixture.shardDirectory(streamKey, shardIndex));
  return names.filter((name) => name.endsWith('.log')).sort();
}

/** Reads a whole file through the port. */
export async function readFile(fileSystem: LogFileSystem, filePath: string): Promise<Buffer> {
  const file = await fileSystem.open(filePath);
  try {
    const bytes = Buffer.alloc(file.size());
    await file.read(bytes, 0, bytes.length, 0);
    return bytes;
  } finally {
    await file.close();
  }
}

/** Replaces a whole file through the port. */
export async function writeFile(fileSystem: LogFileSystem, filePath: string, bytes: Buffer): Promise<void> {
  const file = await fileSystem.open(filePath);
  try {
    await file.write([bytes], 0);
    await file.truncate(bytes.length);
  } finally {
    await file.close();
  }
}
