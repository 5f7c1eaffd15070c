/**
 * The streams of one account and region, held in memory and written through to the metadata
 * store on every change. State transitions that AWS performs after a delay (CREATING → ACTIVE,
 * DELETING → gone, UPDATING → ACTIVE) are scheduled here and survive restarts: a transition
 * whose time passed while the server was down completes at load.
 */
import type { LogStore, MetaStore } from '../../storage/ports.js';
import { removeResourcePolicies } from './resource-policy.js';
import { type StreamState, streamKeyPrefix } from './state.js';

export class StreamRegistry {
  readonly #meta: MetaStore;
  readonly #logs: LogStore;
  readonly #clock: () => number;
  readonly #streams = new Map<string, StreamState>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** The last queued metadata write of each stream (see #exclusive). */
  readonly #writing = new Map<string, Promise<void>>();
  readonly #completeUpdate: ((stream: StreamState) => Promise<void>) | undefined;
  #closed = false;

  constructor(options: {
    meta: MetaStore;
    logs: LogStore;
    clock: () => number;
    /**
     * Completes an UPDATING → ACTIVE transition that carries work (resharding, a mode change).
     * Without it the registry only sets the status.
     */
    completeUpdate?: (stream: StreamState) => Promise<void>;
  }) {
    this.#meta = options.meta;
    this.#logs = options.logs;
    this.#clock = options.clock;
    this.#completeUpdate = options.completeUpdate;
  }

  async load(): Promise<void> {
    for (const { value } of this.#meta.list<StreamState>(streamKeyPrefix)) {
      this.#streams.set(value.name, value);
      this.#schedule(value);
    }
  }

  find(name: string): StreamState | undefined {
    return this.#streams.get(name);
  }

  /** Every stream, ordered by name as ListStreams returns them. */
  all(): StreamState[] {
    return [...this.#streams.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Persists the stream (durably) and (re)schedules its pending transition. Operations change the
   * live object first (so a concurrent request already sees, say, UPDATING) and then save it; when
   * the write fails, what it changed goes back to what the store holds, so memory never runs ahead
   * of disk and the failed request changed nothing. Writes of one stream run one at a time (with
   * `commit`'s), so a save never writes back a state that lacks a commit under way.
   */
  async save(stream: StreamState): Promise<void> {
    await this.#exclusive(stream.name, async () => {
      const attempted = JSON.stringify(stream);
      try {
        await this.#meta.put(streamKeyPrefix + stream.name, stream);
      } catch (error) {
        this.#restoreDurable(stream, JSON.parse(attempted) as Record<string, unknown>);
        throw error;
      }
      this.#streams.set(stream.name, stream);
      this.#schedule(stream);
    });
  }

  /** Runs `write` after the writes of the same stream already queued, before later ones. */
  async #exclusive<T>(name: string, write: () => Promise<T>): Promise<T> {
    const previous = this.#writing.get(name) ?? Promise.resolve();
    let release = (): void => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const queued = previous.then(() => mine);
    this.#writing.set(name, queued);
    await previous;
    try {
      return await write();
    } finally {
      release();
      if (this.#writing.get(name) === queued) this.#writing.delete(name);
    }
  }

  /**
   * After a failed write: the members the write would have changed take their last durable value
   * again, in place. A member someone changed since the attempt (a request waiting for its own
   * save) keeps its new value.
   */
  #restoreDurable(stream: StreamState, attempted: Record<string, unknown>): void {
    // A stream that was never saved (a failed CreateStream) was never registered.
    if (this.#streams.get(stream.name) !== stream) return;
    let durable: StreamState | undefined;
    try {
      durable = this.#meta.get<StreamState>(streamKeyPrefix + stream.name)?.value;
    } catch (error) {
      console.error(`tributary: re-reading stream ${stream.name} after a failed write failed`, error);
      return;
    }
    if (durable === undefined) return;
    const live = stream as unknown as Record<string, unknown>;
    const stored = durable as unknown as Record<string, unknown>;
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    for (const key of new Set([...Object.keys(live), ...Object.keys(stored)])) {
      // Untouched since the attempt, and different from the store: the failed write's change.
      if (!same(live[key], attempted[key]) || same(live[key], stored[key])) continue;
      // Only what differs is replaced: others may hold the unchanged parts (the shard objects).
      if (Object.hasOwn(stored, key)) live[key] = stored[key];
      else delete live[key];
    }
    this.#schedule(stream);
  }

  /**
   * Applies `change` durably without replacing the live object: first to a copy that is
   * persisted, then to the stream itself. Readers see the change only once it is durable, and an
   * operation that still holds the object cannot write an older state back. `change` runs twice,
   * so it must assign values computed beforehand, not compute them.
   */
  async commit(stream: StreamState, change: (draft: StreamState) => void): Promise<void> {
    await this.#exclusive(stream.name, async () => {
      const draft = structuredClone(stream);
      change(draft);
      await this.#meta.put(streamKeyPrefix + stream.name, draft);
      change(stream);
      this.#schedule(stream);
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(stream: StreamState): void {
    const existing = this.#timers.get(stream.name);
    if (existing) clearTimeout(existing);
    this.#timers.delete(stream.name);
    const pending = stream.pending;
    if (!pending || this.#closed) return;
    const delayMs = Math.max(0, pending.atMs - this.#clock());
    const timer = setTimeout(() => {
      this.#timers.delete(stream.name);
      void this.#complete(stream.name).catch((error: unknown) => {
        console.error(`tributary: completing the transition of stream ${stream.name} failed`, error);
      });
    }, delayMs);
    timer.unref();
    this.#timers.set(stream.name, timer);
  }

  async #complete(name: string): Promise<void> {
    const stream = this.#streams.get(name);
    if (!stream?.pending || this.#closed) return;
    if (stream.pending.to === 'DELETED') {
      // Policies go first: a crash before the stream's own record goes repeats the deletion at load.
      await removeResourcePolicies(this.#meta, stream.arn);
      await this.#meta.remove(streamKeyPrefix + name);
      this.#streams.delete(name);
      await this.#logs.deleteStream(stream.key);
      return;
    }
    if (this.#completeUpdate) {
      await this.#completeUpdate(stream);
      return;
    }
    const { pending: _done, ...rest } = stream;
    await this.save({ ...rest, status: 'ACTIVE' });
  }
}
