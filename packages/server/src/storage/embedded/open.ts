/** Opens the embedded storage: segment-file logs and LMDB metadata, or both in memory. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DurabilityPolicy, LogStore, MetaStore } from '../ports.js';
import { memoryFileSystem, nodeFileSystem } from './file-system.js';
import { LmdbMetaStore } from './lmdb-meta-store.js';
import { MemoryMetaStore } from './memory-meta-store.js';
import { type RecoveryReport, SegmentLogStore } from './segment-log-store.js';

export interface EmbeddedStorage {
  readonly meta: MetaStore;
  readonly logs: LogStore;
  close(): Promise<void>;
}

export async function createStreamsStorage(options: {
  inMemory: boolean;
  dataDir: string;
  durability: DurabilityPolicy;
  /** Milliseconds since the epoch for arrival times (default Date.now). */
  clock?: () => number;
}): Promise<EmbeddedStorage> {
  const clock = options.clock ?? Date.now;
  // Recovery never drops data silently: every truncation and index rebuild is reported.
  const onRecovery = (report: RecoveryReport): void => {
    const where = `stream ${report.streamKey} shard ${report.shardIndex} segment ${report.segment}`;
    if (report.kind === 'tail-truncated') {
      console.warn(
        `tributary: recovery truncated ${report.truncatedBytes} bytes (${report.recordCount} records) after byte ` +
          `${report.validBytes} of ${where}: ${report.reason}`,
      );
    } else {
      console.warn(`tributary: recovery rebuilt the index of ${where}: ${report.reason}`);
    }
  };
  if (!options.inMemory) mkdirSync(options.dataDir, { recursive: true });
  // --in-memory runs the same engine over a memory file system; nothing outlives the process,
  // so syncing would buy nothing and durability is 'os'.
  const meta = options.inMemory
    ? new MemoryMetaStore()
    : new LmdbMetaStore({ path: path.join(options.dataDir, 'meta') });
  const logs = new SegmentLogStore({
    fileSystem: options.inMemory ? memoryFileSystem() : nodeFileSystem(),
    directory: options.inMemory ? '/log' : path.join(options.dataDir, 'log'),
    durability: options.inMemory ? 'os' : options.durability,
    clock,
    onRecovery,
  });
  return {
    meta,
    logs,
    close: async () => {
      await logs.close();
      await meta.close();
    },
  };
}
