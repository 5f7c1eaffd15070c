import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ShardMapFence } from './shard-map-fence.js';

/** A promise settled from outside, to hold an append "on its way into the log". */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the shard-map fence', () => {
  test('a change waits for the writes already in, and holds back writes that arrive meanwhile', async () => {
    const fence = new ShardMapFence();
    const events: string[] = [];
    const append = gate();
    const first = fence.write('stream', async () => {
      events.push('first routed');
      await append.promise;
      events.push('first landed');
    });
    await turn();
    const change = fence.change('stream', async () => {
      events.push('change');
    });
    const second = fence.write('stream', async () => {
      events.push('second routed');
    });
    await turn();
    assert.deepEqual(events, ['first routed']);
    append.open();
    await Promise.all([first, change, second]);
    assert.deepEqual(events, ['first routed', 'first landed', 'change', 'second routed']);
  });

  test('writers do not wait for each other, and other streams are not held back', async () => {
    const fence = new ShardMapFence();
    const append = gate();
    const slow = fence.write('a', () => append.promise);
    const change = fence.change('a', async () => {});
    let otherDone = false;
    await fence.write('b', async () => {
      otherDone = true;
    });
    assert.equal(otherDone, true);
    assert.equal(fence.writerCount('a'), 1);
    append.open();
    await Promise.all([slow, change]);
    assert.equal(fence.writerCount('a'), 0);
  });

  test('changes run one at a time, and a failing change releases the fence', async () => {
    const fence = new ShardMapFence();
    const order: string[] = [];
    const failing = fence.change('s', async () => {
      order.push('failing');
      throw new Error('boom');
    });
    const next = fence.change('s', async () => {
      order.push('next');
    });
    await assert.rejects(failing, /boom/);
    await next;
    await fence.write('s', async () => {
      order.push('write');
    });
    assert.deepEqual(order, ['failing', 'next', 'write']);
  });
});
