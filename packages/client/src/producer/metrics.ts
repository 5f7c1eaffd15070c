/** Counters and put→ack latency percentiles of a Producer. */

export interface ProducerMetrics {
  /** User records acknowledged by Kinesis. */
  readonly userRecordsPut: number;
  /** Their bytes: data plus partition key, as Kinesis counts them. */
  readonly userBytesPut: number;
  /** Kinesis records acknowledged (aggregates count once). */
  readonly kinesisRecordsPut: number;
  /** userRecordsPut / kinesisRecordsPut: 1 without aggregation. */
  readonly aggregationRatio: number;
  readonly putRecordsCalls: number;
  /** PutRecords calls that failed as a whole (throttled, 5xx, network, rejected). */
  readonly putRecordsCallsFailed: number;
  /** User-record retries (one per user record per retried attempt). */
  readonly retries: number;
  /** User records whose put() rejected. */
  readonly failedRecords: number;
  /** Kinesis records throttled (per-record ProvisionedThroughputExceeded…) plus whole calls throttled. */
  readonly throttles: number;
  readonly shardMapRefreshes: number;
  /** Buffered now (waiting to be sent, sending, or waiting for a retry). */
  readonly bufferedRecords: number;
  readonly bufferedBytes: number;
  /** The most ever buffered at once. */
  readonly bufferedBytesMax: number;
  readonly bufferedRecordsMax: number;
  /** put() called and not yet admitted because the buffer is full. */
  readonly waitingPuts: number;
  /** Put→acknowledgement latency of recent records (the last `latencySamplesMax`), milliseconds. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
    readonly count: number;
  };
}

/** Latency percentiles are over the most recent samples, a bounded window. */
export const latencySamplesMax = 16_384;

export class MetricsRecorder {
  userRecordsPut = 0;
  userBytesPut = 0;
  kinesisRecordsPut = 0;
  putRecordsCalls = 0;
  putRecordsCallsFailed = 0;
  retries = 0;
  failedRecords = 0;
  throttles = 0;
  shardMapRefreshes = 0;
  bufferedBytesMax = 0;
  bufferedRecordsMax = 0;
  readonly #latencies = new Float64Array(latencySamplesMax);
  #latencyCount = 0;

  recordLatency(milliseconds: number): void {
    this.#latencies[this.#latencyCount % latencySamplesMax] = milliseconds;
    this.#latencyCount++;
  }

  observeBuffered(records: number, bytes: number): void {
    if (bytes > this.bufferedBytesMax) this.bufferedBytesMax = bytes;
    if (records > this.bufferedRecordsMax) this.bufferedRecordsMax = records;
  }

  snapshot(buffered: { records: number; bytes: number; waitingPuts: number }): ProducerMetrics {
    const count = Math.min(this.#latencyCount, latencySamplesMax);
    const sorted = this.#latencies.slice(0, count).sort();
    const at = (fraction: number): number =>
      count === 0 ? 0 : (sorted[Math.min(count - 1, Math.ceil(fraction * count) - 1)] as number);
    return {
      userRecordsPut: this.userRecordsPut,
      userBytesPut: this.userBytesPut,
      kinesisRecordsPut: this.kinesisRecordsPut,
      aggregationRatio: this.kinesisRecordsPut === 0 ? 0 : this.userRecordsPut / this.kinesisRecordsPut,
      putRecordsCalls: this.putRecordsCalls,
      putRecordsCallsFailed: this.putRecordsCallsFailed,
      retries: this.retries,
      failedRecords: this.failedRecords,
      throttles: this.throttles,
      shardMapRefreshes: this.shardMapRefreshes,
      bufferedRecords: buffered.records,
      bufferedBytes: buffered.bytes,
      bufferedBytesMax: this.bufferedBytesMax,
      bufferedRecordsMax: this.bufferedRecordsMax,
      waitingPuts: buffered.waitingPuts,
      latencyMs: {
        p50: at(0.5),
        p90: at(0.9),
        p99: at(0.99),
        max: count === 0 ? 0 : (sorted[count - 1] as number),
        count,
      },
    };
  }
}
