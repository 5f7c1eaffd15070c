/** Three worker processes, enhanced fan-out retrieval, leases in the Tributary server. */
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { multiProcessSuite } from './multi-process-suite.js';

multiProcessSuite(
  'fan-out',
  'native',
  async () => ({
    workerStore: () => 'native',
    observer: (client, applicationName) => NativeLeaseStore.fromKinesisClient(client, applicationName),
  }),
  async () => {},
);
