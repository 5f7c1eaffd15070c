/**
 * The embedded LogStore: one directory per stream, one per shard, each holding a segmented log.
 *
 *   <directory>/<streamKey>/<shardIndex, 6 digits>/<baseOffset, 20 digits>.log
 *                                                 /<baseOffset, 20 digits>.index   (sealed segments)
 *
 * The byte formats are in batch-codec.ts and sparse-index.ts, and docs/storage-format.md.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DurabilityPolicy, LogStore, ShardLog, ShardLogAddress } from '../ports.js';
import { HandleLimitedFileSystem } from './file-handle-cache.js';
import type { LogFileSystem } from './file-system.js';
import { LogClosedError } from './log-errors.js';
import {
  appendQueueBytesMaxDefault,
  assertLogLimits,
  indexIntervalBytesDefault,
  openSegmentFilesMaxDefault,
  segmentBytesMaxDefault,
  shardIndexMax,
  streamKeyPattern,
} from './log-limits.js';
import type { RecoveryReport, ShardContext } from './shard-context.js';
import { SegmentShardLog } from './shard-log.js';

export { CorruptLogError, DataKeyUnavailableError, LogClosedError, LogWriteFailedError } from './log-errors.js';
export type { RecoveryReport } from './shard-context.js';

export interface SegmentLogStoreOptions {
  readonly fileSystem: LogFileSystem;
  /** Root of the logs, e.g. `<dataDir>/log`. */
  readonly directory: string;
  readonly durability: DurabilityPolicy;
  /** A segment rolls before a batch would take it past this size. */
  readonly segmentBytesMax?: number;
  /** Bytes between sparse index entries. */
  readonly indexIntervalBytes?: number;
  /** Encoded bytes one shard may hold queued or in flight before further appends wait. */
  readonly appendQueueBytesMax?: number;
  /** Real file handles the store keeps open; least recently used ones close beyond it. */
  readonly openSegmentFilesMax?: number;
  /** Milliseconds since the epoch; injectable for deterministic tests and simulation. */
  readonly clock?: () => number;
  /** Receives every truncation and index rebuild that recovery performs. */
  readonly onRecovery?: (report: RecoveryReport) => void;
}

const shardIndexDigits = 6;

export class SegmentLogStore implements LogStore {
  private readonly shards = new Map<string, Promise<SegmentShardLog>>();
  private readonly settings: Omit<ShardContext, 'streamKey' | 'shardIndex' | 'directory'>;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: SegmentLogStoreOptions) {
    const limits = {
      segmentBytesMax: options.segmentBytesMax ?? segmentBytesMaxDefault,
      indexIntervalBytes: options.indexIntervalBytes ?? indexIntervalBytesDefault,
      appendQueueBytesMax: options.appendQueueBytesMax ?? appendQueueBytesMaxDefault,
    };
    assertLogLimits(limits);
    this.settings = {
      ...limits,
      // Every file the shard logs open goes through the handle cap (file-handle-cache.ts).
      fileSystem: new HandleLimitedFileSystem(
        options.fileSystem,
        options.openSegmentFilesMax ?? openSegmentFilesMaxDefault,
      ),
      durability: options.durability,
      clock: options.clock ?? Date.now,
      report: options.onRecovery ?? warnAboutRecovery,
    };
  }

  openShard(address: ShardLogAddress): Promise<ShardLog> {
    assertStreamKey(address.streamKey);
    assert.ok(
      Number.isSafeInteger(address.shardIndex) && address.shardIndex >= 0 && address.shardIndex <= shardIndexMax,
      'shardIndex out of range',
    );
    if (this.closing !== undefined) return Promise.reject(new LogClosedError(address.streamKey, address.shardIndex));
    const key = shardKey(address.streamKey, address.shardIndex);
    let shard = this.shards.get(key);
    if (shard === undefined) {
      shard = this.openShardLog(address);
      // A failed open is not cached: the next call retries (e.g. after an operator fixed a file).
      shard.catch(() => this.shards.delete(key));
      this.shards.set(key, shard);
    }
    return shard;
  }

  async deleteStream(streamKey: string): Promise<void> {
    assertStreamKey(streamKey);
    const prefix = `${streamKey}/`;
    for (const [key, shard] of [...this.shards]) {
      if (!key.startsWith(prefix)) continue;
      this.shards.delete(key);
      await closeIfOpened(shard);
    }
    await this.options.fileSystem.removeDir(this.streamDirectory(streamKey));
    await this.syncRoot();
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    const shards = [...this.shards.values()];
    this.shards.clear();
    await Promise.all(shards.map(closeIfOpened));
  }

  private async openShardLog(address: ShardLogAddress): Promise<SegmentShardLog> {
    const streamDirectory = this.streamDirectory(address.streamKey);
    const directory = path.join(streamDirectory, String(address.shardIndex).padStart(shardIndexDigits, '0'));
    const isNewStream = (await this.options.fileSystem.list(streamDirectory)).length === 0;
    await this.options.fileSystem.mkdirp(directory);
    // Make the new directory entries durable, or a crash could orphan the segments below them.
    await this.options.fileSystem.syncDir(streamDirectory);
    if (isNewStream) await this.syncRoot();
    return SegmentShardLog.open({
      ...this.settings,
      streamKey: address.streamKey,
      shardIndex: address.shardIndex,
      directory,
    });
  }

  private streamDirectory(streamKey: string): string {
    return path.join(this.options.directory, streamKey);
  }

  private async syncRoot(): Promise<void> {
    await this.options.fileSystem.mkdirp(this.options.directory);
    await this.options.fileSystem.syncDir(this.options.directory);
  }
}

function shardKey(streamKey: string, shardIndex: number): string {
  return `${streamKey}/${shardIndex}`;
}

/** Stream keys become directory names: the pattern keeps user input from ever becoming a path. */
function assertStreamKey(streamKey: string): void {
  // The message is built only on failure: this runs on every append.
  if (!streamKeyPattern.test(streamKey)) {
    assert.fail(`stream key ${JSON.stringify(streamKey)} does not match ${streamKeyPattern}`);
  }
}

async function closeIfOpened(shard: Promise<SegmentShardLog>): Promise<void> {
  let opened: SegmentShardLog;
  try {
    opened = await shard;
  } catch {
    return; // It never opened, so it holds nothing to close; the opener saw the error.
  }
  await opened.close();
}

function warnAboutRecovery(report: RecoveryReport): void {
  console.warn(`tributary: log recovery (${report.kind})`, JSON.stringify(report));
}
