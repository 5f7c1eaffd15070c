/** The producer: batched, optionally KPL-aggregated, back-pressured PutRecords. */
export type { ProducerMetrics } from './metrics.js';
export { Producer } from './producer.js';
export type { ProducerRecord } from './record-validation.js';
export type { RetryOptions } from './retry.js';
export {
  ProducerClosedError,
  type ProducerOptions,
  type PutResult,
  RecordFailedError,
  RecordValidationError,
} from './types.js';
