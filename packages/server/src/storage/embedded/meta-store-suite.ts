/**
 * Conformance suite of the MetaStore port: compare-and-set, versions, listing, JSON round trips.
 * Written once and run over every implementation (see meta-store.test.ts); the NATS KV backend
 * will run it too.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetaStore } from '../ports.js';
import { metaKeyBytesMax } from './meta-rules.js';

export interface MetaStoreEnvironment {
  readonly name: string;
  /** A fresh, empty store; `reopen` returns a store over the same data after `close` (if durable). */
  create(): Promise<{ store: MetaStore; reopen?: () => MetaStore; cleanup: () => Promise<void> }>;
}

interface Lease {
  owner: string;
  counter: number;
}

export function metaStoreSuite(environment: MetaStoreEnvironment): void {
  describe(`${environment.name} meta store`, () => {
    const withStore = async (context: { after(hook: () => Promise<void>): void }) => {
      const created = await environment.create();
      context.after(async () => {
        await created.store.close();
        await created.cleanup();
      });
      return created;
    };

    test('a missing key reads as undefined', async (t) => {
      const { store } = await withStore(t);
      assert.equal(store.get('nothing'), undefined);
      assert.deepEqual(store.list(''), []);
    });

    test('put with expectedVersion null creates a key only when it does not exist', async (t) => {
      const { store } = await withStore(t);
      assert.equal(await store.put<Lease>('lease/a', { owner: 'w1', counter: 0 }, null), true);
      assert.equal(await store.put<Lease>('lease/a', { owner: 'w2', counter: 0 }, null), false);
      assert.equal(store.get<Lease>('lease/a')?.value.owner, 'w1');
    });

    test('put with a version succeeds only while the key still has that version', async (t) => {
      const { store } = await withStore(t);
      await store.put('k', { n: 1 });
      const read = store.get<{ n: number }>('k');
      assert.ok(read !== undefined);
      assert.equal(await store.put('k', { n: 2 }, read.version), true);
      assert.equal(await store.put('k', { n: 3 }, read.version), false, 'a stale version loses');
      assert.deepEqual(store.get('k')?.value, { n: 2 });
      assert.equal(await store.put('missing', { n: 1 }, read.version), false, 'a version never matches a missing key');
    });

    test('every successful write gives the key a strictly greater version', async (t) => {
      const { store } = await withStore(t);
      const versions: number[] = [];
      for (let n = 0; n < 5; n++) {
        await store.put('k', { n });
        versions.push(store.get('k')?.version ?? -1);
      }
      assert.ok(
        versions.every((version, index) => index === 0 || version > (versions[index - 1] as number)),
        String(versions),
      );
      assert.equal(await store.put('k', { n: 99 }, 12345), false);
      assert.equal(store.get('k')?.version, versions.at(-1), 'a failed write leaves the version alone');
    });

    test('a key removed and created again never repeats an old version', async (t) => {
      const { store } = await withStore(t);
      await store.put('lease', { owner: 'w1' }, null);
      const first = store.get('lease')?.version ?? -1;
      assert.equal(await store.remove('lease', first), true);
      await store.put('lease', { owner: 'w2' }, null);
      const second = store.get('lease')?.version ?? -1;
      assert.ok(second > first);
      assert.equal(await store.put('lease', { owner: 'w1 again' }, first), false, 'the old holder cannot overwrite');
    });

    test('remove with a version succeeds only while the key has that version', async (t) => {
      const { store } = await withStore(t);
      await store.put('k', { n: 1 });
      const version = store.get('k')?.version ?? -1;
      await store.put('k', { n: 2 });
      assert.equal(await store.remove('k', version), false);
      assert.equal(await store.remove('k', store.get('k')?.version), true);
      assert.equal(store.get('k'), undefined);
    });

    test('remove without a version reports whether a key was there', async (t) => {
      const { store } = await withStore(t);
      await store.put('k', 1);
      assert.equal(await store.remove('k'), true);
      assert.equal(await store.remove('k'), false);
      assert.equal(await store.remove('k', 1), false);
    });

    test('concurrent compare-and-set writers: exactly one wins each round', async (t) => {
      const { store } = await withStore(t);
      await store.put<Lease>('lease', { owner: 'nobody', counter: 0 }, null);
      for (let round = 1; round <= 5; round++) {
        const seen = store.get<Lease>('lease');
        assert.ok(seen !== undefined);
        const outcomes = await Promise.all(
          ['w1', 'w2', 'w3'].map((owner) => store.put<Lease>('lease', { owner, counter: round }, seen.version)),
        );
        assert.equal(outcomes.filter(Boolean).length, 1, `round ${round}: ${outcomes}`);
        assert.equal(store.get<Lease>('lease')?.value.counter, round);
      }
    });

    test('list returns every key with the prefix in UTF-8 key order, with values and versions', async (t) => {
      const { store } = await withStore(t);
      const keys = [
        'stream/b',
        'stream/a\uffff',
        'stream/a\u{1f600}',
        'stream/a',
        'stream/ab',
        'streams',
        'other',
        'stream/',
      ];
      for (const key of keys) await store.put(key, { key });
      const listed = store.list<{ key: string }>('stream/');
      assert.deepEqual(
        listed.map((entry) => entry.key),
        ['stream/', 'stream/a', 'stream/ab', 'stream/a\uffff', 'stream/a\u{1f600}', 'stream/b'],
      );
      for (const entry of listed) {
        assert.equal(entry.value.key, entry.key);
        assert.equal(entry.version, store.get(entry.key)?.version);
      }
      assert.equal(store.list('').length, keys.length);
      assert.deepEqual(store.list('zzz'), []);
    });

    test('plain JSON values round-trip exactly, and reads return copies', async (t) => {
      const { store } = await withStore(t);
      const value = {
        text: 'ünïcödé \u{1f600}',
        integer: Number.MAX_SAFE_INTEGER,
        negative: -42,
        fraction: 0.1,
        flags: [true, false, null],
        nested: { empty: {}, list: [[], [1, 'two', { three: 3 }]] },
      };
      await store.put('doc', value);
      assert.deepEqual(store.get('doc')?.value, value);
      for (const scalar of [null, 0, 'text', false, []]) {
        await store.put('scalar', scalar);
        assert.deepEqual(store.get('scalar')?.value, scalar);
      }
      const copy = store.get<typeof value>('doc')?.value;
      assert.ok(copy !== undefined);
      copy.nested.list.length = 0;
      assert.deepEqual(store.get('doc')?.value, value, 'mutating a read does not change the store');
    });

    test('values that are not plain JSON are refused as programmer errors', async (t) => {
      const { store } = await withStore(t);
      for (const value of [undefined, Number.NaN, new Date(0), { f: () => 1 }, 1n, { nested: [undefined] }]) {
        assert.throws(() => store.put('bad', value), assert.AssertionError);
      }
      assert.equal(store.get('bad'), undefined);
    });

    test('keys up to metaKeyBytesMax UTF-8 bytes are stored and longer or empty keys are refused', async (t) => {
      const { store } = await withStore(t);
      const longest = `é${'k'.repeat(metaKeyBytesMax - 2)}`;
      assert.equal(await store.put(longest, 1, null), true);
      assert.equal(store.get(longest)?.value, 1);
      assert.throws(() => store.put(`${longest}k`, 1), assert.AssertionError);
      assert.throws(() => store.put('', 1), assert.AssertionError);
    });

    test('writes survive closing and reopening the store', async (t) => {
      const created = await environment.create();
      t.after(created.cleanup);
      if (created.reopen === undefined) {
        await created.store.close();
        t.skip('this store keeps nothing across a restart');
        return;
      }
      await created.store.put('kept', { n: 1 }, null);
      await created.store.put('dropped', { n: 2 }, null);
      await created.store.remove('dropped');
      const version = created.store.get('kept')?.version;
      await created.store.close();
      const reopened = created.reopen();
      try {
        assert.deepEqual(reopened.get('kept'), { value: { n: 1 }, version });
        assert.equal(reopened.get('dropped'), undefined);
        await reopened.put('new', {}, null);
        assert.ok((reopened.get('new')?.version ?? 0) > (version ?? 0), 'revisions continue after a restart');
      } finally {
        await reopened.close();
      }
    });
  });
}
