/** Three worker processes, polling retrieval, leases in the Tributary server. */
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { multiProcessSuite } from './multi-process-suite.js';

multiProcessSuite(
  'polling',
  'native',
  async () => ({
    workerStore: () => 'native',
    observer: (client, applicationName) => NativeLeaseStore.fromKinesisClient(client, applicationName),
  }),
  async () => {},
);
