/**
 * Orders appends against shard-map changes, per stream.
 *
 * A writer (PutRecord, PutRecords) routes its records to open shards and appends them; the append
 * is asynchronous. A change (a split, a merge, uniform scaling) must not close a shard while a
 * record routed to it is still on its way into the log: the parent's EndingSequenceNumber would
 * miss the record, and a reader that finished the parent would never see it. So a change waits
 * until every writer that entered before it has finished, holds new writers back while it runs
 * (reads the parents' final end offsets, makes the children's logs, persists the new map), and
 * only then lets them route against the new map. Writers never wait for each other.
 */
interface StreamFence {
  writers: number;
  /** Resolves when the running change ends; undefined when none runs. */
  changing: Promise<void> | undefined;
  idleWaiters: Array<() => void>;
}

export class ShardMapFence {
  readonly #fences = new Map<string, StreamFence>();

  /** Runs `write` as a writer of the stream: no change starts or runs while it does. */
  async write<T>(streamKey: string, write: () => Promise<T>): Promise<T> {
    let fence = this.#fence(streamKey);
    while (fence.changing) fence = await this.#afterChange(streamKey, fence.changing);
    // No await between the check and the count: a change that starts later sees this writer.
    fence.writers++;
    try {
      return await write();
    } finally {
      fence.writers--;
      if (fence.writers === 0) this.#wakeIdle(streamKey, fence);
    }
  }

  /** Runs `change` alone: after the writers already in have finished, before any new one starts. */
  async change<T>(streamKey: string, change: () => Promise<T>): Promise<T> {
    let fence = this.#fence(streamKey);
    while (fence.changing) fence = await this.#afterChange(streamKey, fence.changing);
    let finish = (): void => {};
    fence.changing = new Promise<void>((resolve) => {
      finish = resolve;
    });
    try {
      while (fence.writers > 0) await new Promise<void>((resolve) => fence.idleWaiters.push(resolve));
      return await change();
    } finally {
      fence.changing = undefined;
      finish();
      this.#forgetIfIdle(streamKey, fence);
    }
  }

  /** Writers currently inside the fence of a stream (for tests and assertions). */
  writerCount(streamKey: string): number {
    return this.#fences.get(streamKey)?.writers ?? 0;
  }

  /**
   * The stream's fence after a change ended. Fetched again: an idle fence is forgotten when its
   * change ends, and a later change makes a new one. The caller checks it again before using it.
   */
  async #afterChange(streamKey: string, changing: Promise<void>): Promise<StreamFence> {
    await changing;
    return this.#fence(streamKey);
  }

  #fence(streamKey: string): StreamFence {
    let fence = this.#fences.get(streamKey);
    if (!fence) {
      fence = { writers: 0, changing: undefined, idleWaiters: [] };
      this.#fences.set(streamKey, fence);
    }
    return fence;
  }

  #wakeIdle(streamKey: string, fence: StreamFence): void {
    const waiters = fence.idleWaiters.splice(0);
    for (const wake of waiters) wake();
    this.#forgetIfIdle(streamKey, fence);
  }

  /** Entries exist only while in use, so deleted streams leave nothing behind. */
  #forgetIfIdle(streamKey: string, fence: StreamFence): void {
    if (fence.writers === 0 && !fence.changing && fence.idleWaiters.length === 0) this.#fences.delete(streamKey);
  }
}
