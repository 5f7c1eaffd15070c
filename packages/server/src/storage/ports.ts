/**
 * Storage ports: what the services need from storage, and nothing about how it is kept.
 * The embedded engine (segment files + LMDB) implements them today; the NATS JetStream backend
 * will implement the same interfaces, and one conformance suite will run over both.
 */

/** One record as the log stores it. Offsets are 0-based positions inside one shard's log. */
export interface LogRecord {
  readonly offset: number;
  /** Milliseconds since the epoch at which the log accepted the record (monotonic per shard). */
  readonly arrivalMs: number;
  readonly partitionKey: string;
  /** The 128-bit hash key the record was routed by (MD5 of the partition key, or ExplicitHashKey). */
  readonly hashKey: bigint;
  readonly data: Buffer;
  /** True when the record was stored sealed under a data key (absent for plaintext records). */
  readonly encrypted?: boolean;
}

/** What a writer hands to the log; offsets and arrival time are assigned by the log. */
export interface AppendRecord {
  readonly partitionKey: string;
  readonly hashKey: bigint;
  readonly data: Buffer;
}

export interface AppendResult {
  /** Offset of the first appended record; the others follow contiguously. */
  readonly firstOffset: number;
  readonly arrivalMs: number;
}

export interface ReadLimits {
  readonly recordCountMax: number;
  /** Sum of data + partition key bytes returned at most (one record is always returned if any). */
  readonly bytesMax: number;
}

export interface ReadResult {
  readonly records: LogRecord[];
  /** The offset to continue from (one past the last returned record, or the start offset). */
  readonly nextOffset: number;
  /**
   * Optional: the caller promises it will never touch these records' data again (it copied what it
   * needed), so the engine may reuse their memory for later reads. Never call it while anything
   * may still hold a record; not calling it is always safe.
   */
  readonly release?: () => void;
  /**
   * Optional: `release` for the first `count` records only — the caller is done with them (a
   * GetRecords answer copies records into its pieces as the socket takes them), so the memory
   * under them may be reused while the rest is still being written. Same promise as `release`.
   */
  readonly releaseBefore?: (count: number) => void;
}

/**
 * A stream's data key as the log sees it: 32 bytes of AES-256 key, and the id that names it in
 * the batches it sealed (so a reader can find the key again after the stream switched keys).
 */
export interface DataKey {
  /** 1 … 2^32 − 1; 0 means "no key" on disk. */
  readonly id: number;
  readonly key: Buffer;
}

export interface AppendOptions {
  /** Seal the batch's records with AES-256-GCM under this key; without it they are stored plain. */
  readonly encryption?: DataKey;
}

export interface ReadOptions {
  /**
   * Finds the key of a sealed batch by its id. Reading a sealed batch without it, or when it
   * answers undefined, fails with DataKeyUnavailableError; whatever it throws propagates as is.
   */
  readonly dataKey?: (id: number) => Buffer | undefined;
}

/** The log of one shard. All offsets handed out are durable under the store's durability policy. */
export interface ShardLog {
  /** Appends the records as one batch; resolves once the batch is durable. */
  append(records: readonly AppendRecord[], options?: AppendOptions): Promise<AppendResult>;
  /** Reads committed records starting at `fromOffset` (clamped to the trim horizon). */
  read(fromOffset: number, limits: ReadLimits, options?: ReadOptions): Promise<ReadResult>;
  /**
   * Retention: deletes, oldest first, every whole segment whose newest record arrived before
   * `timestampMs`, and so moves startOffset() forward. Records are never removed one by one: a
   * segment holding one record at or after the cutoff stays whole. When every record is older
   * than the cutoff the log becomes empty (startOffset() === endOffset()); offsets never restart.
   */
  trimBefore(timestampMs: number): Promise<void>;
  /** The first offset still stored (moves forward with retention). */
  startOffset(): number;
  /** One past the last durable offset. */
  endOffset(): number;
  /** Arrival time of the newest durable record, or undefined when the log is empty. */
  lastArrivalMs(): number | undefined;
  /** The first offset whose record arrived at or after `timestampMs` (endOffset() if none). */
  offsetAtOrAfter(timestampMs: number): Promise<number>;
  /**
   * Resolves once a record at `offset` is durable (endOffset() > offset), when `signal` aborts, or
   * when the log closes — whichever comes first; it never rejects. The commit that makes the record
   * durable wakes the waiter directly, so push readers (SubscribeToShard) need no polling.
   */
  waitForRecords(offset: number, signal?: AbortSignal): Promise<void>;
}

export interface ShardLogAddress {
  /** Internal, file-system-safe id of the stream (never the user-supplied name). */
  readonly streamKey: string;
  readonly shardIndex: number;
}

export interface LogStore {
  /** Opens (creating when missing) the log of one shard. Repeated calls return the same object. */
  openShard(address: ShardLogAddress): Promise<ShardLog>;
  /** Removes every shard log of a stream. */
  deleteStream(streamKey: string): Promise<void>;
  /** Waits for in-flight appends, syncs and closes every file. */
  close(): Promise<void>;
}

/** A value with the version it was read at, for compare-and-set. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/**
 * Small, rarely written, JSON-shaped metadata (streams, shards, tags, settings, leases).
 * Writes resolve once durable. `expectedVersion` gives compare-and-set: `null` means "must not
 * exist"; a number means "must currently have this version"; undefined means unconditional.
 */
export interface MetaStore {
  get<T>(key: string): Versioned<T> | undefined;
  list<T>(prefix: string): Array<{ key: string } & Versioned<T>>;
  put<T>(key: string, value: T, expectedVersion?: number | null): Promise<boolean>;
  remove(key: string, expectedVersion?: number): Promise<boolean>;
  close(): Promise<void>;
}

export type DurabilityPolicy = 'fsync' | 'os';
