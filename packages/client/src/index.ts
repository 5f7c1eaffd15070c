/** @tributary/client: a Kinesis producer and consumer for Tributary and AWS. */

export * from './aggregation/index.js';
export {
  Consumer,
  failoverTimeMsDefault,
  parentShardPollIntervalMsDefault,
  shardSyncIntervalMsDefault,
} from './consumer/consumer.js';
export type {
  CheckpointEvery,
  Checkpointer,
  ConsumerEvent,
  ConsumerOptions,
  ConsumerRecord,
  ErrorContext,
  FanOutRetrieval,
  InitializeInput,
  InitialPosition,
  PollingRetrieval,
  ProcessRecordsInput,
  RecordPosition,
  RecordProcessor,
  RetrievalOptions,
} from './consumer/types.js';
export { InvalidCheckpointError, LeaseLostError } from './consumer/types.js';
export { DynamoDbLeaseStore, type DynamoDbLeaseStoreOptions } from './leases/dynamodb-lease-store.js';
export { LeaseStoreError, LeaseTableNotFoundError } from './leases/lease-errors.js';
export type { CheckpointSentinel, Lease, LeaseStore } from './leases/lease-store.js';
export { canonicalLease, leaseWith, newLease } from './leases/lease-values.js';
export { MemoryLeaseStore } from './leases/memory-lease-store.js';
export { NativeLeaseStore, type NativeLeaseStoreOptions } from './leases/native-lease-store.js';
export type { LeaseCredentials, LeaseCredentialsInput } from './leases/native-transport.js';
export * from './producer/index.js';
