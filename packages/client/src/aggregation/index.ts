/** KPL record aggregation: encode user records into aggregates and read them back. */
export {
  type AggregateRecord,
  Aggregator,
  type AggregatorOptions,
  encodeAggregate,
  kinesisRecordSizeBytes,
  kinesisRecordSizeBytesMax,
} from './aggregator.js';
export {
  effectiveHashKey,
  hashKeyMax,
  InvalidHashKeyError,
  parseExplicitHashKey,
  partitionKeyHash,
} from './hash-key.js';
export {
  type DeaggregatedRecord,
  deaggregate,
  isAggregated,
  type KinesisRecordPayload,
  kplMagic,
  type UserRecord,
} from './kpl-format.js';
export { ProtobufError } from './protobuf.js';
