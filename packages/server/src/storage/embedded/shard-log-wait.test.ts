/**
 * ShardLog.waitForRecords: the push notification SubscribeToShard parks on. A commit wakes the
 * readers it concerns directly (no polling), and nothing wakes them early: not an append still
 * waiting for its sync, not a commit below their offset. Run over both file systems.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { seededRandom } from '../../testing/random.js';
import { createFixture, gate, makeRecords, memoryEnvironment, nodeEnvironment } from './log-test-support.js';

const address = { streamKey: 'waits-1', shardIndex: 0 };
/** Enough turns of the event loop for any wrongly resolved promise to have run its callbacks. */
const settleTurns = 5;

async function settle(): Promise<void> {
  for (let turn = 0; turn < settleTurns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

function track(promise: Promise<void>): { readonly done: () => boolean } {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  return { done: () => done };
}

for (const environment of [nodeEnvironment, memoryEnvironment]) {
  describe(`ShardLog.waitForRecords over the ${environment.name} file system`, () => {
    test('resolves at once when the record is already durable', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      await shard.append(makeRecords(seededRandom(1), 3));
      await shard.waitForRecords(2);
      await store.close();
    });

    test('a commit wakes the reader waiting at its offset, and only once the sync is done', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const waiting = track(shard.waitForRecords(0));
      await settle();
      assert.equal(waiting.done(), false, 'an empty log keeps the reader parked');
      const held = gate();
      fixture.fileSystem.beforeSync = () => held.promise;
      const appended = shard.append(makeRecords(seededRandom(2), 2));
      await settle();
      assert.equal(waiting.done(), false, 'a record that is not durable yet does not wake the reader');
      held.open();
      await appended;
      await settle();
      assert.equal(waiting.done(), true);
      await store.close();
    });

    test('a commit below the offset leaves the reader parked', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const waiting = track(shard.waitForRecords(5));
      await shard.append(makeRecords(seededRandom(3), 5));
      await settle();
      assert.equal(waiting.done(), false, 'offsets 0–4 are durable, 5 is not');
      await shard.append(makeRecords(seededRandom(4), 1));
      await settle();
      assert.equal(waiting.done(), true);
      await store.close();
    });

    test('an aborted signal releases the reader, and close releases every reader', async (t) => {
      const fixture = await createFixture(environment, t);
      const store = fixture.open();
      const shard = await store.openShard(address);
      const controller = new AbortController();
      const aborted = track(shard.waitForRecords(0, controller.signal));
      const closing = track(shard.waitForRecords(0));
      controller.abort();
      await settle();
      assert.equal(aborted.done(), true);
      assert.equal(closing.done(), false);
      await store.close();
      await settle();
      assert.equal(closing.done(), true);
      await shard.waitForRecords(10);
    });
  });
}
