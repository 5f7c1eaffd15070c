/** The consumer suite with enhanced fan-out retrieval (SubscribeToShard), leases kept in the Tributary server. */
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { consumerSuite } from './consumer-suite.js';

consumerSuite('fan-out', 'native', (client, applicationName) =>
  NativeLeaseStore.fromKinesisClient(client, applicationName),
);
