/** The consumer suite with polling retrieval (GetRecords), leases kept in the Tributary server. */
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { consumerSuite } from './consumer-suite.js';

consumerSuite('polling', 'native', (client, applicationName) =>
  NativeLeaseStore.fromKinesisClient(client, applicationName),
);
