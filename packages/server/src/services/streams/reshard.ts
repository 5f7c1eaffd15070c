/**
 * Resharding as shard-map algebra: pure functions from a stream's shards and a plan to its new
 * shards, and the invariant every result keeps — the open shards tile 0 … 2^128−1 exactly.
 *
 * A split closes one parent and opens two children; a merge closes two adjacent parents and opens
 * one child. UpdateShardCount's uniform scaling is a sequence of such steps (AWS: "Kinesis Data
 * Streams performs splits or merges on individual shards. This can cause short-lived shards to be
 * created, in addition to the final shards"), so every child has at most two parents, as
 * ParentShardId and AdjacentParentShardId can express. See docs/resharding.md.
 */
import assert from 'node:assert/strict';
import { evenRanges, type HashKeyRange, hashKeyMax } from './hash-keys.js';
import { sequenceString } from './sequence-number.js';
import type { ReshardPlan, ShardState } from './state.js';
import { isOpen, shardIdOf } from './state.js';

export interface ReshardOptions {
  readonly nowMs: number;
  /** One past the last durable offset of an existing shard's log. */
  readonly endOffsetOf: (shardIndex: number) => number;
}

export interface ReshardResult {
  /** Every shard of the stream: closed parents replaced by closed copies, children appended. */
  readonly shards: ShardState[];
  /** The shards this change opened and left open. */
  readonly opened: ShardState[];
  /** The shards that were open before and are closed now. */
  readonly closed: ShardState[];
}

const startOf = (shard: ShardState): bigint => BigInt(shard.startingHashKey);
const endOf = (shard: ShardState): bigint => BigInt(shard.endingHashKey);

/**
 * A closed shard's EndingSequenceNumber is the number of its last record. A shard that never got
 * a record ends at its own starting number (offset 0): still below every number of its children,
 * whose epoch is later. See docs/resharding.md.
 */
export function endingSequenceNumber(shard: ShardState, endOffset: number): string {
  const offset = Math.max(0, endOffset - 1);
  return sequenceString({ shardEpochMs: shard.epochMs, shardIndex: shard.index, offset });
}

/** The shards being rewritten by one change; parents close, children get the next free indexes. */
class ShardMapDraft {
  readonly shards: ShardState[];
  readonly #createdIndexes = new Set<number>();
  readonly #positions = new Map<number, number>();
  #nextIndex: number;

  constructor(
    shards: readonly ShardState[],
    readonly options: ReshardOptions,
  ) {
    this.shards = [...shards];
    this.shards.forEach((shard, position) => {
      this.#positions.set(shard.index, position);
    });
    this.#nextIndex = shards.reduce((max, shard) => Math.max(max, shard.index + 1), 0);
  }

  shard(index: number): ShardState {
    const position = this.#positions.get(index);
    const shard = position === undefined ? undefined : this.shards[position];
    assert.ok(shard, `shard ${index} exists`);
    return shard;
  }

  openByStart(): ShardState[] {
    return this.shards.filter(isOpen).sort((a, b) => (startOf(a) < startOf(b) ? -1 : 1));
  }

  split(index: number, newStartingHashKey: bigint): [ShardState, ShardState] {
    const parent = this.shard(index);
    assert.ok(isOpen(parent), `split of closed shard ${parent.shardId}`);
    assert.ok(newStartingHashKey > startOf(parent) && newStartingHashKey <= endOf(parent), 'split key inside');
    const epochMs = this.#childEpochMs([parent]);
    const lineage = { parentShardId: parent.shardId };
    const left = this.#open({ start: startOf(parent), end: newStartingHashKey - 1n }, epochMs, lineage);
    const right = this.#open({ start: newStartingHashKey, end: endOf(parent) }, epochMs, lineage);
    this.#close(parent, epochMs);
    return [left, right];
  }

  merge(index: number, adjacentIndex: number): ShardState {
    const parent = this.shard(index);
    const adjacent = this.shard(adjacentIndex);
    assert.ok(isOpen(parent) && isOpen(adjacent), 'merge of open shards');
    assert.equal(endOf(parent) + 1n, startOf(adjacent), 'merged shards are adjacent, in order');
    const epochMs = this.#childEpochMs([parent, adjacent]);
    const child = this.#open({ start: startOf(parent), end: endOf(adjacent) }, epochMs, {
      parentShardId: parent.shardId,
      adjacentParentShardId: adjacent.shardId,
    });
    this.#close(parent, epochMs);
    this.#close(adjacent, epochMs);
    return child;
  }

  /** Later than now and strictly later than every parent, so children's numbers exceed theirs. */
  #childEpochMs(parents: readonly ShardState[]): number {
    return Math.max(this.options.nowMs, ...parents.map((parent) => parent.epochMs + 1));
  }

  #open(
    range: HashKeyRange,
    epochMs: number,
    lineage: { parentShardId: string; adjacentParentShardId?: string },
  ): ShardState {
    const index = this.#nextIndex++;
    const shard: ShardState = {
      index,
      shardId: shardIdOf(index),
      ...lineage,
      startingHashKey: range.start.toString(),
      endingHashKey: range.end.toString(),
      epochMs,
    };
    this.#createdIndexes.add(index);
    this.#positions.set(index, this.shards.length);
    this.shards.push(shard);
    return shard;
  }

  #close(shard: ShardState, childEpochMs: number): void {
    const endOffset = this.#createdIndexes.has(shard.index) ? 0 : this.options.endOffsetOf(shard.index);
    const closed = { ...shard, endingSequenceNumber: endingSequenceNumber(shard, endOffset), closedMs: childEpochMs };
    const position = this.#positions.get(shard.index);
    assert.ok(position !== undefined);
    this.shards[position] = closed;
  }
}

/**
 * A target boundary this close to an existing one is taken to be that one. Equal widths are
 * rounded down per shard, so the boundaries of N and of 2N equal shards differ by a few keys, not
 * by zero; without snapping, halving 6 shards to 3 would cut one-key slivers instead of merging
 * pairs (AWS: doubling or halving "results in the fewest number of splits or merges"). A million
 * keys out of 2^128 is no measurable imbalance.
 */
export const boundarySnapKeys = 1_000_000n;

/** The target boundaries (range starts after the first) for `count` shards of equal width. */
function uniformBoundaries(openStarts: readonly bigint[], count: number): bigint[] {
  let next = 0;
  return evenRanges(count)
    .slice(1)
    .map(({ start }) => {
      while (next + 1 < openStarts.length && (openStarts[next + 1] ?? 0n) <= start) next++;
      for (const existing of [openStarts[next], openStarts[next + 1]]) {
        if (existing !== undefined && existing > 0n && abs(existing - start) <= boundarySnapKeys) return existing;
      }
      return start;
    });
}

const abs = (value: bigint): bigint => (value < 0n ? -value : value);

/** Uniform scaling: split at every target boundary inside a shard, then merge within each target. */
function scaleUniformly(draft: ShardMapDraft, targetShardCount: number): void {
  const boundaries = uniformBoundaries(draft.openByStart().map(startOf), targetShardCount);
  const targets: HashKeyRange[] = [0n, ...boundaries].map((start, index) => ({
    start,
    end: (boundaries[index] ?? hashKeyMax + 1n) - 1n,
  }));
  let next = 0;
  for (const shard of draft.openByStart()) {
    while (next < boundaries.length && (boundaries[next] ?? 0n) <= startOf(shard)) next++;
    let rest = shard;
    while (next < boundaries.length && (boundaries[next] ?? 0n) <= endOf(shard)) {
      rest = draft.split(rest.index, boundaries[next] ?? 0n)[1];
      next++;
    }
  }
  const pieces = draft.openByStart();
  let position = 0;
  for (const target of targets) {
    let merged = pieces[position++];
    assert.ok(merged && startOf(merged) === target.start, 'a piece starts every target range');
    while (endOf(merged) < target.end) {
      const piece = pieces[position++];
      assert.ok(piece, 'pieces cover the target range');
      merged = draft.merge(merged.index, piece.index);
    }
    assert.equal(endOf(merged), target.end, 'pieces end at the target boundary');
  }
}

/** Applies a plan to a stream's shards. The caller has checked the plan against AWS's rules. */
export function applyReshard(shards: readonly ShardState[], plan: ReshardPlan, options: ReshardOptions): ReshardResult {
  const draft = new ShardMapDraft(shards, options);
  switch (plan.kind) {
    case 'split':
      draft.split(plan.shardIndex, BigInt(plan.newStartingHashKey));
      break;
    case 'merge':
      draft.merge(plan.shardIndex, plan.adjacentShardIndex);
      break;
    case 'uniform':
      scaleUniformly(draft, plan.targetShardCount);
      break;
  }
  const before = new Set(shards.filter(isOpen).map((shard) => shard.index));
  const result: ReshardResult = {
    shards: draft.shards,
    opened: draft.shards.filter((shard) => isOpen(shard) && !before.has(shard.index)),
    closed: draft.shards.filter((shard) => !isOpen(shard) && before.has(shard.index)),
  };
  assertShardMap(result.shards);
  return result;
}

/**
 * The shard map's invariants, checked after every change (TigerBeetle-style: on in production).
 * The open shards tile 0 … 2^128−1 without gap or overlap; indexes are unique; every child is
 * younger than its parents; a shard is closed exactly when it has an EndingSequenceNumber.
 */
export function assertShardMap(shards: readonly ShardState[]): void {
  const byId = new Map(shards.map((shard) => [shard.shardId, shard]));
  assert.equal(byId.size, shards.length, 'shard ids are unique');
  for (const shard of shards) {
    assert.ok(startOf(shard) <= endOf(shard), `${shard.shardId} has a non-empty range`);
    assert.equal(shard.closedMs === undefined, isOpen(shard), `${shard.shardId} closed consistently`);
    for (const parentId of [shard.parentShardId, shard.adjacentParentShardId]) {
      const parent = parentId === undefined ? undefined : byId.get(parentId);
      if (parent) assert.ok(parent.epochMs < shard.epochMs, `${shard.shardId} is younger than ${parentId}`);
    }
  }
  const open = shards.filter(isOpen).sort((a, b) => (startOf(a) < startOf(b) ? -1 : 1));
  let expectedStart = 0n;
  for (const shard of open) {
    assert.equal(startOf(shard), expectedStart, `open shards tile the hash space at ${shard.shardId}`);
    expectedStart = endOf(shard) + 1n;
  }
  assert.equal(expectedStart, hashKeyMax + 1n, 'open shards reach the end of the hash space');
}
