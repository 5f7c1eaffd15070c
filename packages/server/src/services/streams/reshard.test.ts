import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { evenRanges, hashKeyMax } from './hash-keys.js';
import { applyReshard, assertShardMap, endingSequenceNumber, type ReshardOptions } from './reshard.js';
import { decodeSequence } from './sequence-number.js';
import { isOpen, type ReshardPlan, type ShardState, shardIdOf } from './state.js';

const createdMs = Date.UTC(2026, 0, 1);

function streamShards(count: number): ShardState[] {
  return evenRanges(count).map((range, index) => ({
    index,
    shardId: shardIdOf(index),
    startingHashKey: range.start.toString(),
    endingHashKey: range.end.toString(),
    epochMs: createdMs,
  }));
}

/** Every existing shard holds `records` records; the clock stands still, as it may in one millisecond. */
const options = (records = 0): ReshardOptions => ({ nowMs: createdMs, endOffsetOf: () => records });

const ranges = (shards: readonly ShardState[]): string[][] =>
  shards
    .filter(isOpen)
    .map((shard) => [shard.startingHashKey, shard.endingHashKey])
    .sort((a, b) => (BigInt(a[0] ?? 0) < BigInt(b[0] ?? 0) ? -1 : 1));

describe('resharding', () => {
  test('a split closes the parent at its last record and opens two younger children with the next indexes', () => {
    const half = (hashKeyMax + 1n) / 2n;
    const { shards, opened, closed } = applyReshard(
      streamShards(1),
      { kind: 'split', shardIndex: 0, newStartingHashKey: half.toString() },
      options(7),
    );
    assert.deepEqual(
      opened.map((shard) => [shard.shardId, shard.parentShardId, shard.startingHashKey, shard.endingHashKey]),
      [
        ['shardId-000000000001', 'shardId-000000000000', '0', (half - 1n).toString()],
        ['shardId-000000000002', 'shardId-000000000000', half.toString(), hashKeyMax.toString()],
      ],
    );
    const [parent] = closed;
    assert.ok(parent);
    assert.equal(decodeSequence(parent.endingSequenceNumber ?? '')?.offset, 6);
    assert.equal(parent.closedMs, createdMs + 1);
    for (const child of opened) assert.equal(child.epochMs, createdMs + 1);
    assert.equal(shards.length, 3);
  });

  test('an empty parent ends at its own starting number, below every number of its children', () => {
    const { closed, opened } = applyReshard(
      streamShards(2),
      { kind: 'merge', shardIndex: 0, adjacentShardIndex: 1 },
      options(0),
    );
    const [child] = opened;
    assert.ok(child);
    assert.equal(child.parentShardId, 'shardId-000000000000');
    assert.equal(child.adjacentParentShardId, 'shardId-000000000001');
    assert.deepEqual(ranges(opened), [['0', hashKeyMax.toString()]]);
    for (const parent of closed) {
      const ending = BigInt(parent.endingSequenceNumber ?? '');
      assert.equal(decodeSequence(ending.toString())?.offset, 0);
      assert.ok(ending < BigInt(endingSequenceNumber(child, 0)));
    }
  });

  test('uniform scaling 1 → 2 → 4 → 3 ends with equal ranges, every child with at most two parents', () => {
    let shards = streamShards(1);
    for (const target of [2, 4, 3]) {
      shards = applyReshard(shards, { kind: 'uniform', targetShardCount: target }, options(1)).shards;
      assert.deepEqual(
        ranges(shards),
        evenRanges(target).map((range) => [range.start.toString(), range.end.toString()]),
      );
    }
    // 1 → 2: one split; 2 → 4: two splits; 4 → 3: two splits into short-lived halves, three merges.
    assert.equal(shards.length, 1 + 2 + 4 + 4 + 3);
    assert.equal(shards.filter(isOpen).length, 3);
  });

  test('halving merges adjacent pairs and doubling splits each shard, though equal widths round differently', () => {
    const halved = applyReshard(streamShards(6), { kind: 'uniform', targetShardCount: 3 }, options());
    assert.deepEqual(
      halved.opened.map((shard) => [shard.parentShardId, shard.adjacentParentShardId]),
      [
        ['shardId-000000000000', 'shardId-000000000001'],
        ['shardId-000000000002', 'shardId-000000000003'],
        ['shardId-000000000004', 'shardId-000000000005'],
      ],
    );
    const doubled = applyReshard(streamShards(3), { kind: 'uniform', targetShardCount: 6 }, options());
    assert.equal(doubled.shards.length, 3 + 6, 'three splits, no short-lived shards');
    assert.ok(doubled.opened.every((shard) => shard.adjacentParentShardId === undefined));
  });

  test('uniform scaling to the count and ranges a stream already has changes nothing', () => {
    const { shards, opened, closed } = applyReshard(
      streamShards(5),
      { kind: 'uniform', targetShardCount: 5 },
      options(),
    );
    assert.equal(shards.length, 5);
    assert.deepEqual([opened, closed], [[], []]);
  });

  test('children of children keep getting later epochs while the clock stands still', () => {
    let shards = streamShards(1);
    for (let step = 0; step < 5; step++) {
      const open = shards.filter(isOpen).at(-1);
      assert.ok(open);
      const middle = (BigInt(open.startingHashKey) + BigInt(open.endingHashKey)) / 2n;
      shards = applyReshard(
        shards,
        { kind: 'split', shardIndex: open.index, newStartingHashKey: middle.toString() },
        options(),
      ).shards;
    }
    assert.deepEqual([...new Set(shards.map((shard) => shard.epochMs - createdMs))], [0, 1, 2, 3, 4, 5]);
  });

  test('the shard-map check refuses a gap between open shards', () => {
    const [first, second] = streamShards(2);
    assert.ok(first && second);
    const gap = { ...second, startingHashKey: (BigInt(second.startingHashKey) + 1n).toString() };
    assert.throws(() => assertShardMap([first, gap]), /tile the hash space/);
  });

  test('any sequence of splits, merges and uniform scalings keeps the open shards tiling the hash space', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('split' as const), pick: fc.nat(), fraction: fc.double({ min: 0.01, max: 0.99 }) }),
      fc.record({ kind: fc.constant('merge' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('uniform' as const), target: fc.integer({ min: 1, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 12 }), (count, steps) => {
        let shards = streamShards(count);
        for (const chosen of steps) {
          const plan = planFor(shards, chosen);
          if (plan) shards = applyReshard(shards, plan, options(3)).shards;
          assertShardMap(shards);
        }
      }),
      { seed: 4, numRuns: 200 },
    );
  });
});

type Step =
  | { kind: 'split'; pick: number; fraction: number }
  | { kind: 'merge'; pick: number }
  | { kind: 'uniform'; target: number };

/** A valid plan for the chosen step on the current shards (undefined when none applies). */
function planFor(shards: readonly ShardState[], step: Step): ReshardPlan | undefined {
  const open = shards.filter(isOpen).sort((a, b) => (BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? -1 : 1));
  if (step.kind === 'uniform') {
    const target = Math.min(Math.max(step.target, Math.ceil(open.length / 2)), open.length * 2);
    return { kind: 'uniform', targetShardCount: target };
  }
  if (step.kind === 'merge') {
    const left = open[step.pick % open.length];
    const right = open[(step.pick % open.length) + 1];
    return left && right ? { kind: 'merge', shardIndex: left.index, adjacentShardIndex: right.index } : undefined;
  }
  const shard = open[step.pick % open.length];
  if (!shard) return undefined;
  const start = BigInt(shard.startingHashKey);
  const width = BigInt(shard.endingHashKey) - start;
  const at = start + 2n + (width * BigInt(Math.round(step.fraction * 1000))) / 1000n;
  if (at >= BigInt(shard.endingHashKey)) return undefined;
  return { kind: 'split', shardIndex: shard.index, newStartingHashKey: at.toString() };
}
