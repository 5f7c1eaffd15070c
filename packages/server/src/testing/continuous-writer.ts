/**
 * Test support: writers that keep putting records through the AWS SDK while a test reshards, and
 * remember every acknowledgement per partition key in order. Each key has at most one record in
 * flight, so its acknowledgement order is the order a reader must see.
 */
import assert from 'node:assert/strict';
import { type KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';

/** How long a test waits for the writers to make progress before it calls them stuck. */
const progressWaitMsMax = 20_000;

export class ContinuousWriter {
  readonly acknowledged = new Map<string, string[]>();
  #count = 0;
  #stopping = false;
  #failure: unknown;
  readonly #loops: Array<Promise<void>>;

  /** Starts `loopCount` loops; even loops use PutRecords (one record per key), odd ones PutRecord. */
  constructor(
    readonly client: KinesisClient,
    readonly streamName: string,
    options: { keyCount: number; loopCount: number },
  ) {
    const keys = Array.from({ length: options.keyCount }, (_, index) => `key-${index}`);
    this.#loops = Array.from({ length: options.loopCount }, (_, loop) => {
      const owned = keys.filter((_, index) => index % options.loopCount === loop);
      const running = loop % 2 === 0 ? this.#putRecordsLoop(owned) : this.#putRecordLoop(owned);
      // A failed loop stops, and the test hears of it at its next progress() or stop().
      return running.catch((error: unknown) => {
        this.#failure ??= error;
      });
    });
  }

  get count(): number {
    return this.#count;
  }

  /** Waits (bounded) until `records` more records were acknowledged. */
  async progress(records: number): Promise<void> {
    const target = this.#count + records;
    const startMs = Date.now();
    while (this.#count < target) {
      if (this.#failure !== undefined) throw this.#failure;
      assert.ok(Date.now() - startMs < progressWaitMsMax, `writers acknowledged ${records} more records in time`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#loops);
    if (this.#failure !== undefined) throw this.#failure;
  }

  #acknowledge(key: string, data: string): void {
    const list = this.acknowledged.get(key) ?? [];
    list.push(data);
    this.acknowledged.set(key, list);
    this.#count++;
  }

  async #putRecordsLoop(keys: readonly string[]): Promise<void> {
    for (let round = 0; !this.#stopping; round++) {
      const records = keys.map((key) => ({ PartitionKey: key, Data: Buffer.from(`${key}#${round}`) }));
      const answer = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: records }));
      assert.equal(answer.FailedRecordCount, 0, 'no record fails while resharding');
      for (const record of records) this.#acknowledge(record.PartitionKey, record.Data.toString('utf8'));
    }
  }

  async #putRecordLoop(keys: readonly string[]): Promise<void> {
    for (let round = 0; !this.#stopping; round++) {
      for (const key of keys) {
        const data = `${key}#${round}`;
        await this.client.send(
          new PutRecordCommand({ StreamName: this.streamName, PartitionKey: key, Data: Buffer.from(data) }),
        );
        this.#acknowledge(key, data);
      }
    }
  }
}
