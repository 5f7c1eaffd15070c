import { leaseStoreSuite } from './lease-store-suite.js';
import { MemoryLeaseStore } from './memory-lease-store.js';

leaseStoreSuite('memory', async () => ({ store: new MemoryLeaseStore(), close: async () => {} }));
