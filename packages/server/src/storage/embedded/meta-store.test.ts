import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LmdbMetaStore } from './lmdb-meta-store.js';
import { MemoryMetaStore } from './memory-meta-store.js';
import { metaStoreSuite } from './meta-store-suite.js';

metaStoreSuite({
  name: 'memory',
  async create() {
    return { store: new MemoryMetaStore(), cleanup: async () => undefined };
  },
});

metaStoreSuite({
  name: 'LMDB',
  async create() {
    const root = await mkdtemp(path.join(tmpdir(), 'tributary-meta-'));
    const open = () => new LmdbMetaStore({ path: path.join(root, 'meta') });
    return { store: open(), reopen: open, cleanup: () => rm(root, { recursive: true, force: true }) };
  },
});
