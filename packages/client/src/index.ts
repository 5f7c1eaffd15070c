/** @tributary/client: a Kinesis producer and consumer for Tributary and AWS. */
export type { CheckpointSentinel, Lease, LeaseStore } from './leases/lease-store.js';
