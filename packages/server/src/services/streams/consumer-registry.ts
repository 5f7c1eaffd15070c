/**
 * Enhanced fan-out consumers, one JSON document each under `consumer/<stream>/<consumer>` in the
 * metadata store, held in memory and written through (durably, before a call is answered).
 *
 * Like streams, consumers change state after a delay that AWS takes and tests shorten: CREATING →
 * ACTIVE (RegisterStreamConsumer) and DELETING → gone (DeregisterStreamConsumer). The due time is
 * stored with the consumer, so a transition whose time passed while the server was down completes
 * at load.
 *
 * A consumer remembers its stream's creation time: a consumer of a deleted stream never attaches
 * to a new stream of the same name. The consumer documents are the truth about how many a stream
 * has; StreamState.consumerCount (DescribeStreamSummary) is kept equal to them and reconciled at
 * load, so a crash between the two writes cannot leave it wrong.
 */
import type { MetaStore } from '../../storage/ports.js';
import type { StreamRegistry } from './registry.js';
import { resourcePolicyKey } from './resource-policy.js';
import type { StreamState } from './state.js';

export const consumerKeyPrefix = 'consumer/';

export type ConsumerStatus = 'CREATING' | 'ACTIVE' | 'DELETING';

export interface ConsumerState {
  readonly name: string;
  readonly streamName: string;
  /** The createdMs of the stream it was registered with. */
  readonly streamCreatedMs: number;
  readonly arn: string;
  /** Registration time (epoch ms); the ARN carries it in whole seconds. */
  readonly createdMs: number;
  status: ConsumerStatus;
  pending?: { readonly atMs: number; readonly to: 'ACTIVE' | 'DELETED' };
  tags: Record<string, string>;
}

export function consumerKey(streamName: string, consumerName: string): string {
  return `${consumerKeyPrefix}${streamName}/${consumerName}`;
}

/** `arn:aws:kinesis:REGION:ACCOUNT:stream/NAME/consumer/CONSUMER:CREATION_EPOCH_SECONDS`, as AWS. */
export function consumerArn(stream: StreamState, consumerName: string, createdMs: number): string {
  return `${stream.arn}/consumer/${consumerName}:${Math.floor(createdMs / 1000)}`;
}

/** The ARN's trailing creation time in seconds, as AWS's messages show it. */
export function consumerEpochSeconds(consumer: ConsumerState): number {
  return Math.floor(consumer.createdMs / 1000);
}

export class ConsumerRegistry {
  readonly #meta: MetaStore;
  readonly #streams: StreamRegistry;
  readonly #clock: () => number;
  /** By stream name, then consumer name. */
  readonly #consumers = new Map<string, Map<string, ConsumerState>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #closed = false;

  constructor(options: { meta: MetaStore; streams: StreamRegistry; clock: () => number }) {
    this.#meta = options.meta;
    this.#streams = options.streams;
    this.#clock = options.clock;
  }

  /** Loads every consumer, drops those whose stream is gone, and reconciles the streams' counts. */
  async load(): Promise<void> {
    for (const { key, value } of this.#meta.list<ConsumerState>(consumerKeyPrefix)) {
      const stream = this.#streams.find(value.streamName);
      if (stream?.createdMs !== value.streamCreatedMs) {
        await this.#meta.remove(key);
        continue;
      }
      this.#byStream(value.streamName).set(value.name, value);
      this.#schedule(value);
    }
    for (const stream of this.#streams.all()) await this.#updateCount(stream);
  }

  /** The stream's consumers (every status), ordered by name. */
  ofStream(stream: StreamState): ConsumerState[] {
    const consumers = [...(this.#consumers.get(stream.name)?.values() ?? [])];
    return consumers
      .filter((consumer) => consumer.streamCreatedMs === stream.createdMs)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  find(stream: StreamState, consumerName: string): ConsumerState | undefined {
    const consumer = this.#consumers.get(stream.name)?.get(consumerName);
    return consumer?.streamCreatedMs === stream.createdMs ? consumer : undefined;
  }

  /** How many consumers of every stream are CREATING (AWS allows five at a time). */
  creatingCount(): number {
    let count = 0;
    for (const consumers of this.#consumers.values()) {
      for (const consumer of consumers.values()) if (consumer.status === 'CREATING') count++;
    }
    return count;
  }

  /** Registers a consumer that turns ACTIVE `delayMs` from now. */
  async register(
    stream: StreamState,
    name: string,
    tags: Record<string, string>,
    delayMs: number,
  ): Promise<ConsumerState> {
    const createdMs = this.#clock();
    const consumer: ConsumerState = {
      name,
      streamName: stream.name,
      streamCreatedMs: stream.createdMs,
      arn: consumerArn(stream, name, createdMs),
      createdMs,
      status: 'CREATING',
      pending: { atMs: createdMs + delayMs, to: 'ACTIVE' },
      tags: { ...tags },
    };
    await this.#save(consumer);
    await this.#updateCount(stream);
    return consumer;
  }

  /** Starts deregistration: DELETING now, gone `delayMs` from now. */
  async deregister(consumer: ConsumerState, delayMs: number): Promise<void> {
    await this.#save({ ...consumer, status: 'DELETING', pending: { atMs: this.#clock() + delayMs, to: 'DELETED' } });
  }

  async saveTags(consumer: ConsumerState, tags: Record<string, string>): Promise<void> {
    await this.#save({ ...consumer, tags: { ...tags } });
  }

  /** DeleteStream with EnforceConsumerDeletion: every consumer of the stream goes at once. */
  async removeAll(stream: StreamState): Promise<void> {
    for (const consumer of this.ofStream(stream)) await this.#remove(consumer);
    await this.#updateCount(stream);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #byStream(streamName: string): Map<string, ConsumerState> {
    let consumers = this.#consumers.get(streamName);
    if (!consumers) {
      consumers = new Map();
      this.#consumers.set(streamName, consumers);
    }
    return consumers;
  }

  async #save(consumer: ConsumerState): Promise<void> {
    await this.#meta.put(consumerKey(consumer.streamName, consumer.name), consumer);
    this.#byStream(consumer.streamName).set(consumer.name, consumer);
    this.#schedule(consumer);
  }

  async #remove(consumer: ConsumerState): Promise<void> {
    const key = consumerKey(consumer.streamName, consumer.name);
    this.#cancel(key);
    // The policy goes first: a crash before the consumer's own record goes repeats it at load.
    await this.#meta.remove(resourcePolicyKey(consumer.arn));
    await this.#meta.remove(key);
    const consumers = this.#consumers.get(consumer.streamName);
    if (consumers?.get(consumer.name) === consumer) consumers.delete(consumer.name);
    if (consumers?.size === 0) this.#consumers.delete(consumer.streamName);
  }

  async #updateCount(stream: StreamState): Promise<void> {
    const count = this.ofStream(stream).length;
    if (stream.consumerCount === count) return;
    stream.consumerCount = count;
    await this.#streams.save(stream);
  }

  #cancel(key: string): void {
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    this.#timers.delete(key);
  }

  #schedule(consumer: ConsumerState): void {
    const key = consumerKey(consumer.streamName, consumer.name);
    this.#cancel(key);
    const pending = consumer.pending;
    if (!pending || this.#closed) return;
    const timer = setTimeout(
      () => {
        this.#timers.delete(key);
        void this.#complete(consumer).catch((error: unknown) => {
          console.error(`tributary: completing the transition of consumer ${consumer.arn} failed`, error);
        });
      },
      Math.max(0, pending.atMs - this.#clock()),
    );
    timer.unref();
    this.#timers.set(key, timer);
  }

  async #complete(consumer: ConsumerState): Promise<void> {
    // Only the current document of this consumer completes (not one replaced meanwhile).
    if (this.#closed || this.#consumers.get(consumer.streamName)?.get(consumer.name) !== consumer) return;
    if (consumer.pending?.to === 'DELETED') {
      await this.#remove(consumer);
      const stream = this.#streams.find(consumer.streamName);
      if (stream) await this.#updateCount(stream);
      return;
    }
    const { pending: _done, ...rest } = consumer;
    await this.#save({ ...rest, status: 'ACTIVE' });
  }
}
