/** Opens the embedded storage: segment-file logs and LMDB metadata, or both in memory. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DurabilityPolicy, LogStore, MetaStore } from '../ports.js';
import { memoryFileSystem, nodeFileSystem } from './file-system.js';
import { LmdbMetaStore } from './lmdb-meta-store.js';
import { MemoryMetaStore } from './memory-meta-store.js';
import { SegmentLogStore } from './segment-log-store.js';

export interface EmbeddedStorage {
  readonly meta: MetaStore;
  readonly logs: LogStore;
  close(): Promise<void>;
}

export async function createStreamsStorage(options: {
  inMemory: boolean;
  dataDir: string;
  durability: DurabilityPolicy;
}): Promise<EmbeddedStorage> {
  const onRecovery = (report: unknown): void => {
    console.warn('tributary: recovery truncated a torn or corrupt log tail', report);
  };
  if (options.inMemory) {
    const meta = new MemoryMetaStore();
    const logs = new SegmentLogStore({ fileSystem: memoryFileSystem(), directory: '/log', durability: 'os', onRecovery });
    return { meta, logs, close: async () => { await logs.close(); await meta.close(); } };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const meta = new LmdbMetaStore({ path: path.join(options.dataDir, 'meta') });
  const logs = new SegmentLogStore({
    fileSystem: nodeFileSystem(),
    directory: path.join(options.dataDir, 'log'),
    durability: options.durability,
    onRecovery,
  });
  return { meta, logs, close: async () => { await logs.close(); await meta.close(); } };
}
