/**
 * A consumer worker: KCL's Scheduler in small. Several workers (processes, machines) with the same
 * application name share a stream's shards through leases (lease-coordinator.ts), each processing
 * the shards it holds (shard-consumer.ts), while every worker keeps the lease table in step with
 * the stream's shards (shard-sync.ts).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ChildShard } from '@aws-sdk/client-kinesis';
import type { Lease, LeaseStore } from '../leases/lease-store.js';
import { NativeLeaseStore } from '../leases/native-lease-store.js';
import { LeaseCoordinator } from './lease-coordinator.js';
import type { HashKeyRange } from './records.js';
import { ensureStreamConsumer, fanOutFetcher } from './retrieval/fan-out.js';
import type { FetchErrorReporter, ShardFetcher } from './retrieval/fetcher.js';
import { getRecordsLimitMax, idleTimeBetweenReadsMsDefault, pollingFetcher } from './retrieval/polling.js';
import { ShardConsumer } from './shard-consumer.js';
import {
  initialShards,
  leaseFor,
  listAllShards,
  type ShardInfo,
  type StreamReference,
  syncLeases,
} from './shard-sync.js';
import { sleep } from './timing.js';
import type { ConsumerEvent, ConsumerOptions, ErrorContext } from './types.js';

/** KCL's defaults (LeaseManagementConfig): failover 10 s, shard sync every 60 s. */
export const failoverTimeMsDefault = 10_000;
export const shardSyncIntervalMsDefault = 60_000;
export const parentShardPollIntervalMsDefault = 1000;

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class Consumer {
  readonly workerId: string;
  readonly #options: ConsumerOptions;
  readonly #stream: StreamReference;
  readonly #store: LeaseStore;
  readonly #coordinator: LeaseCoordinator;
  readonly #shards = new Map<string, ShardConsumer>();
  readonly #shardRanges = new Map<string, HashKeyRange>();
  readonly #syncStop = new AbortController();
  #syncLoop: Promise<void> | undefined;
  #fetcher: ShardFetcher | undefined;
  #state: State = 'new';
  #stopped: Promise<void> | undefined;

  constructor(options: ConsumerOptions) {
    validateOptions(options);
    this.#options = options;
    this.#stream =
      options.streamARN !== undefined ? { StreamARN: options.streamARN } : { StreamName: options.streamName ?? '' };
    this.workerId = options.workerId ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#store = options.leaseStore ?? NativeLeaseStore.fromKinesisClient(options.kinesis, options.applicationName);
    this.#coordinator = new LeaseCoordinator({
      store: this.#store,
      workerId: this.workerId,
      failoverTimeMs: options.failoverTimeMs ?? failoverTimeMsDefault,
      onTaken: (lease, previousOwner) => this.#onTaken(lease, previousOwner),
      onLost: (shardId) => this.#onLost(shardId),
      onError: (error, during, shardId) => this.#emitError(error, during, shardId),
    });
  }

  /** Shards whose leases this worker holds now. */
  heldShardIds(): string[] {
    return this.#coordinator.heldShardIds().sort();
  }

  /**
   * Prepares the lease table (and, for fan-out, the stream consumer), runs a first shard sync and
   * starts taking and renewing leases. Resolves once the worker runs; processing goes on until stop().
   */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`start() called on a consumer that is ${this.#state}`);
    this.#state = 'starting';
    try {
      await this.#prepare();
    } catch (error) {
      // Nothing runs yet: the application may call start() again (or stop()).
      if (this.#state === 'starting') this.#state = 'new';
      throw error;
    }
    if ((this.#state as State) !== 'starting') return; // stop() was called meanwhile
    this.#state = 'running';
    this.#coordinator.start();
    this.#syncLoop = this.#runSyncLoop();
  }

  async #prepare(): Promise<void> {
    await this.#store.ensureTable();
    const onError: FetchErrorReporter = (error, during, shardId) => this.#emitError(error, during, shardId);
    const retrieval = this.#options.retrieval;
    if (retrieval.mode === 'polling') {
      this.#fetcher = pollingFetcher({
        kinesis: this.#options.kinesis,
        stream: this.#stream,
        maxRecords: retrieval.maxRecords ?? getRecordsLimitMax,
        idleTimeBetweenReadsMs: retrieval.idleTimeBetweenReadsMs ?? idleTimeBetweenReadsMsDefault,
        onError,
      });
    } else {
      const consumerName = retrieval.consumerName ?? this.#options.applicationName;
      const consumerArn = await ensureStreamConsumer(this.#options.kinesis, this.#stream, consumerName);
      this.#fetcher = fanOutFetcher({ kinesis: this.#options.kinesis, consumerArn, onError });
    }
    await this.syncShards();
  }

  /**
   * Graceful shutdown: stops taking leases and fetching, lets each shard's batch in flight finish,
   * calls shutdownRequested, writes the final checkpoints (with checkpointEvery) and releases every
   * lease, so other workers take them at once instead of after the failover time.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#state = 'stopping';
    this.#syncStop.abort();
    await this.#syncLoop;
    await this.#coordinator.stopTaking();
    const running = [...this.#shards.values()];
    for (const shard of running) shard.requestShutdown();
    await Promise.all(running.map((shard) => shard.done));
    // Leases taken but whose processing had not started yet.
    await Promise.all(
      this.#coordinator.heldShardIds().map(async (shardId) => {
        try {
          await this.#coordinator.release(shardId);
          this.#emit({ type: 'leaseReleased', shardId });
        } catch (error) {
          this.#emitError(error, 'release', shardId);
        }
      }),
    );
    await this.#coordinator.stopRenewing();
    this.#state = 'stopped';
  }

  /** One shard sync pass (also run every shardSyncIntervalMs). */
  async syncShards(): Promise<void> {
    const shards = await listAllShards(this.#options.kinesis, this.#stream);
    this.#rememberRanges(shards);
    const position = this.#options.initialPosition;
    await syncLeases(this.#store, shards, () => initialShards(this.#options.kinesis, this.#stream, shards, position));
  }

  async #runSyncLoop(): Promise<void> {
    const intervalMs = this.#options.shardSyncIntervalMs ?? shardSyncIntervalMsDefault;
    const signal = this.#syncStop.signal;
    for (await sleep(intervalMs, signal); !signal.aborted; await sleep(intervalMs, signal)) {
      try {
        await this.syncShards();
      } catch (error) {
        this.#emitError(error, 'shard-sync');
      }
    }
  }

  #onTaken(lease: Lease, previousOwner: string | undefined): void {
    this.#emit({ type: 'leaseTaken', shardId: lease.leaseKey, previousOwner });
    const previous = this.#shards.get(lease.leaseKey);
    const begin = (): void => {
      // Still ours, and not stopping? (The lease may have been lost while the old run finished.)
      if (this.#state !== 'running' || this.#coordinator.heldLease(lease.leaseKey) === undefined) return;
      // Taken, lost and taken again while the old run finished: every take queued a begin on that
      // run, and the first one started the run of the current holding. One run per shard.
      const current = this.#shards.get(lease.leaseKey);
      if (current !== undefined && current !== previous) return;
      const shard = new ShardConsumer(this.#coordinator.heldLease(lease.leaseKey) ?? lease, {
        coordinator: this.#coordinator,
        store: this.#store,
        fetcher: this.#requireFetcher(),
        processor: this.#options.processor,
        initialTimestamp:
          typeof this.#options.initialPosition === 'object' ? this.#options.initialPosition.timestamp : undefined,
        checkpointEvery: this.#options.checkpointEvery,
        parentShardPollIntervalMs: this.#options.parentShardPollIntervalMs ?? parentShardPollIntervalMsDefault,
        emit: (event) => this.#emit(event),
        shardRange: (shardId) => this.#shardRanges.get(shardId),
        createChildLeases: (children) => this.#createChildLeases(children),
      });
      this.#shards.set(lease.leaseKey, shard);
      void shard.done.then(() => {
        if (this.#shards.get(lease.leaseKey) === shard) this.#shards.delete(lease.leaseKey);
      });
    };
    if (previous === undefined) begin();
    else void previous.done.then(begin);
  }

  #onLost(shardId: string): void {
    this.#emit({ type: 'leaseLost', shardId });
    this.#shards.get(shardId)?.leaseLost();
  }

  async #createChildLeases(children: readonly ChildShard[]): Promise<void> {
    for (const child of children) {
      // A merge's child waits until its other parent has a lease too (KCL refuses the same
      // "partial parent information"): a missing parent lease reads as finished, so creating the
      // child now could start it before that parent's records. The shard sync creates it later.
      const parents = child.ParentShards ?? [];
      if (parents.length > 1) {
        const parentLeases = await Promise.all(parents.map((parent) => this.#store.getLease(parent)));
        if (parentLeases.some((lease) => lease === undefined)) continue;
      }
      const shard: ShardInfo = {
        shardId: child.ShardId ?? '',
        parentShardIds: child.ParentShards ?? [],
        startingHashKey: child.HashKeyRange?.StartingHashKey ?? '0',
        endingHashKey: child.HashKeyRange?.EndingHashKey ?? '0',
        closed: false,
      };
      await this.#store.createLeaseIfNotExists(leaseFor(shard, 'TRIM_HORIZON'));
    }
  }

  #rememberRanges(shards: readonly ShardInfo[]): void {
    for (const shard of shards) {
      this.#shardRanges.set(shard.shardId, {
        startingHashKey: BigInt(shard.startingHashKey),
        endingHashKey: BigInt(shard.endingHashKey),
      });
    }
  }

  #requireFetcher(): ShardFetcher {
    if (this.#fetcher === undefined) throw new Error('the consumer has not started');
    return this.#fetcher;
  }

  #emitError(error: unknown, during: ErrorContext, shardId?: string): void {
    this.#emit({ type: 'error', error, during, ...(shardId === undefined ? {} : { shardId }) });
  }

  #emit(event: ConsumerEvent): void {
    try {
      this.#options.onEvent?.(event);
    } catch {
      // A listener's failure must not stop processing; onEvent is documented as must-not-throw.
    }
  }
}

function validateOptions(options: ConsumerOptions): void {
  if ((options.streamName === undefined) === (options.streamARN === undefined)) {
    throw new TypeError('Consumer: give exactly one of streamName and streamARN');
  }
  if (options.applicationName === '') throw new TypeError('Consumer: applicationName must not be empty');
  const positive = (name: string, value: number | undefined, max = Number.MAX_SAFE_INTEGER): void => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= max)) {
      throw new RangeError(`Consumer: ${name} must be an integer from 1 to ${max}, not ${value}`);
    }
  };
  positive('failoverTimeMs', options.failoverTimeMs);
  positive('shardSyncIntervalMs', options.shardSyncIntervalMs);
  positive('parentShardPollIntervalMs', options.parentShardPollIntervalMs);
  positive('checkpointEvery.records', options.checkpointEvery?.records);
  positive('checkpointEvery.ms', options.checkpointEvery?.ms);
  if (options.retrieval.mode === 'polling') {
    positive('retrieval.maxRecords', options.retrieval.maxRecords, getRecordsLimitMax);
    const idle = options.retrieval.idleTimeBetweenReadsMs;
    if (idle !== undefined && !(Number.isInteger(idle) && idle >= 0)) {
      throw new RangeError(`Consumer: retrieval.idleTimeBetweenReadsMs must be an integer ≥ 0, not ${idle}`);
    }
  }
  if (typeof options.initialPosition === 'object' && Number.isNaN(options.initialPosition.timestamp.getTime())) {
    throw new RangeError('Consumer: initialPosition.timestamp is not a valid date');
  }
}
