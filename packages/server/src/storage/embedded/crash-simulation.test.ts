/**
 * A seeded simulation in the spirit of TigerBeetle's VOPR: the real segment log over the faulty
 * file system, driven by a seeded random walk of appends, reads, ticks, clean restarts, crashes of
 * every kind (process kill, torn write, power cut, partial write-back) and bit flips, with the
 * invariants checked after every restart. Everything runs in memory and every choice comes from
 * the seed, so a failure replays exactly: run with TRIBUTARY_SIMULATION_SEED=<seed>.
 *
 * Invariants, per shard:
 * - every record read back is one that was appended, byte for byte, and appears once;
 * - a batch is atomic: all of its records, consecutive and in order, or none;
 * - offsets are dense from 0 and arrival times never decrease;
 * - no offset is acknowledged twice, and a record read at an acknowledged offset is the one
 *   acknowledged there;
 * - durability fsync: every acknowledged record survives every crash;
 * - durability os: a crash may take acknowledged records, but only from the end: what survives of
 *   them is a prefix in offset order;
 * - a flipped bit in a sealed segment fails the read that reaches it with CorruptLogError.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { seededBytes, seededRandom } from '../../testing/random.js';
import type { AppendRecord, DurabilityPolicy, LogRecord, ShardLog } from '../ports.js';
import { type CrashOptions, FaultyFileSystem } from './faulty-file-system.js';
import { memoryFileSystem } from './file-system.js';
import { CorruptLogError } from './log-errors.js';
import { ManualClock } from './log-test-support.js';
import { type RecoveryReport, SegmentLogStore } from './segment-log-store.js';

const stepCount = 400;
const shardCount = 3;
const streamKey = 'simulated';
const directory = '/data/log';
const seeds = process.env.TRIBUTARY_SIMULATION_SEED ? [Number(process.env.TRIBUTARY_SIMULATION_SEED)] : [1, 2, 3];

interface Tally {
  appends: number;
  acknowledgedRecords: number;
  crashes: number;
  cleanRestarts: number;
  bitFlips: number;
  truncations: number;
  indexRebuilds: number;
  acknowledgedLostToPowerCuts: number;
}

class Simulation {
  private readonly random: () => number;
  private readonly disk: FaultyFileSystem;
  private readonly clock = new ManualClock();
  private readonly reports: RecoveryReport[] = [];
  private store: SegmentLogStore;
  private shards: ShardLog[] = [];
  /** Increases with every boot; acknowledgements from an earlier boot come from a dead process. */
  private boot = 0;
  private nextId = 0;
  /** Every record ever appended, by id (its data starts with `<id>|`). */
  private readonly sent = new Map<number, { data: Buffer; batch: number; indexInBatch: number; batchSize: number }>();
  /** Per shard: acknowledged offset → record id. */
  private readonly acknowledged = Array.from({ length: shardCount }, () => new Map<number, number>());
  readonly tally: Tally = {
    appends: 0,
    acknowledgedRecords: 0,
    crashes: 0,
    cleanRestarts: 0,
    bitFlips: 0,
    truncations: 0,
    indexRebuilds: 0,
    acknowledgedLostToPowerCuts: 0,
  };
  /**
   * A read over a flipped bit may rebuild an index from the damaged segment (a shorter one); the
   * next boot may then rebuild it again from the healed segment, which is right, not a fault.
   */
  private indexesRebuiltFromDamage = false;

  constructor(
    readonly seed: number,
    private readonly durability: DurabilityPolicy,
  ) {
    this.random = seededRandom(seed);
    // One turn of write latency lets crashes land while writes are in flight.
    this.disk = new FaultyFileSystem(memoryFileSystem(), seededRandom(seed + 1_000_000), { writeLatencyTurns: 1 });
    this.store = this.newStore();
  }

  async run(): Promise<void> {
    await this.openShards();
    for (let step = 0; step < stepCount; step++) {
      const roll = this.random();
      try {
        if (roll < 0.45) this.append();
        else if (roll < 0.7) await this.tick();
        else if (roll < 0.8) await this.readCheck();
        else if (roll < 0.9) await this.crash();
        else if (roll < 0.94) await this.cleanRestart();
        else await this.flipCheck();
      } catch (error) {
        throw new Error(`seed ${this.seed} (${this.durability}) failed at step ${step}: ${String(error)}`, {
          cause: error,
        });
      }
    }
    await this.cleanRestart();
  }

  private newStore(): SegmentLogStore {
    return new SegmentLogStore({
      fileSystem: this.disk.mount(),
      directory,
      durability: this.durability,
      segmentBytesMax: 2048,
      indexIntervalBytes: 256,
      openSegmentFilesMax: 8,
      clock: this.clock.read,
      onRecovery: (report) => this.reports.push(report),
    });
  }

  private async openShards(): Promise<void> {
    this.shards = [];
    for (let shardIndex = 0; shardIndex < shardCount; shardIndex++) {
      this.shards.push(await this.store.openShard({ streamKey, shardIndex }));
    }
  }

  private append(): void {
    const shardIndex = Math.floor(this.random() * shardCount);
    const shard = this.shards[shardIndex] as ShardLog;
    const batch = this.tally.appends++;
    const batchSize = 1 + Math.floor(this.random() * 4);
    const ids: number[] = [];
    const records: AppendRecord[] = [];
    for (let indexInBatch = 0; indexInBatch < batchSize; indexInBatch++) {
      const id = this.nextId++;
      const data = Buffer.concat([Buffer.from(`${id}|`), seededBytes(this.random, Math.floor(this.random() * 300))]);
      this.sent.set(id, { data, batch, indexInBatch, batchSize });
      ids.push(id);
      records.push({ partitionKey: `p${id % 7}`, hashKey: BigInt(id), data });
    }
    this.clock.nowMs += Math.floor(this.random() * 3);
    const boot = this.boot;
    shard.append(records).then(
      (result) => {
        if (boot !== this.boot) return; // the process that would have answered is dead
        ids.forEach((id, index) => {
          const offset = result.firstOffset + index;
          const previous = this.acknowledged[shardIndex]?.get(offset);
          assert.equal(previous, undefined, `offset ${offset} of shard ${shardIndex} acknowledged twice`);
          this.acknowledged[shardIndex]?.set(offset, id);
        });
        this.tally.acknowledgedRecords += ids.length;
      },
      () => undefined, // unacknowledged: it may or may not be in the log
    );
  }

  /** Lets the engine's queued work run a little: a few turns of the event loop. */
  private async tick(): Promise<void> {
    const turns = 1 + Math.floor(this.random() * 4);
    for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
  }

  private async readCheck(): Promise<void> {
    const shardIndex = Math.floor(this.random() * shardCount);
    this.checkRecords(shardIndex, await readShard(this.shards[shardIndex] as ShardLog), 'live read');
  }

  private async crash(): Promise<void> {
    const kinds: CrashOptions[] = [
      { unsynced: 'kept' },
      { unsynced: 'kept', tearInFlightWrite: true },
      { unsynced: 'lost' },
      { unsynced: 'prefix' },
    ];
    const options = kinds[Math.floor(this.random() * kinds.length)] as CrashOptions;
    this.boot += 1;
    await this.disk.crash(options);
    this.tally.crashes += 1;
    await this.restart(true, options.unsynced !== 'kept');
  }

  private async cleanRestart(): Promise<void> {
    await this.store.close();
    this.boot += 1;
    this.tally.cleanRestarts += 1;
    await this.restart(false);
  }

  /** Boots on the disk as it is; `crashed` says whether the last process died rather than closed. */
  private async restart(crashed: boolean, powerCut = false): Promise<void> {
    this.store = this.newStore();
    await this.openShards();
    for (const report of this.reports.splice(0)) {
      if (report.kind === 'index-rebuilt' && this.indexesRebuiltFromDamage) {
        this.tally.indexRebuilds += 1;
        continue;
      }
      assert.ok(crashed, `a clean restart has nothing to repair: ${JSON.stringify(report)}`);
      assert.equal(
        report.kind,
        'tail-truncated',
        `only torn tails need repair after a crash: ${JSON.stringify(report)}`,
      );
      this.tally.truncations += 1;
    }
    this.indexesRebuiltFromDamage = false;
    for (let shardIndex = 0; shardIndex < shardCount; shardIndex++) {
      const records = await readShard(this.shards[shardIndex] as ShardLog);
      this.checkSurvivors(shardIndex, records, powerCut);
      this.checkRecords(shardIndex, records, 'after restart');
    }
  }

  /** What a crash may take of the acknowledged records, by durability policy. */
  private checkSurvivors(shardIndex: number, records: readonly LogRecord[], powerCut: boolean): void {
    const acknowledged = this.acknowledged[shardIndex] as Map<number, number>;
    const lost = [...acknowledged.keys()].filter((offset) => offset >= records.length).sort((a, b) => a - b);
    if (lost.length === 0) return;
    assert.equal(this.durability, 'os', `fsync lost acknowledged offsets ${lost.join(', ')} of shard ${shardIndex}`);
    assert.ok(powerCut, 'only a power cut takes acknowledged records under durability os');
    // The survivors are a prefix: everything acknowledged at or past the first loss is gone.
    for (const offset of lost) acknowledged.delete(offset);
    this.tally.acknowledgedLostToPowerCuts += lost.length;
  }

  private checkRecords(shardIndex: number, records: readonly LogRecord[], when: string): void {
    const acknowledged = this.acknowledged[shardIndex] as Map<number, number>;
    const seen = new Set<number>();
    let previousArrivalMs = 0;
    records.forEach((record, offset) => {
      assert.equal(record.offset, offset, `${when}: offsets are dense`);
      assert.ok(record.arrivalMs >= previousArrivalMs, `${when}: arrival times never decrease`);
      previousArrivalMs = record.arrivalMs;
      const id = idOf(record);
      const sent = this.sent.get(id);
      assert.ok(sent !== undefined, `${when}: offset ${offset} holds a record that was never appended`);
      assert.ok(record.data.equals(sent.data), `${when}: record ${id} comes back byte for byte`);
      assert.ok(!seen.has(id), `${when}: record ${id} appears once`);
      seen.add(id);
      const acknowledgedId = acknowledged.get(offset);
      if (acknowledgedId !== undefined)
        assert.equal(id, acknowledgedId, `${when}: offset ${offset} holds what was acknowledged`);
      // Batches are atomic: record i of a batch follows record i − 1 of the same batch.
      if (sent.indexInBatch > 0) {
        const previous = records[offset - 1];
        assert.equal(previous && idOf(previous), id - 1, `${when}: batch of record ${id} is contiguous`);
      }
      if (sent.indexInBatch < sent.batchSize - 1) {
        assert.ok(offset + 1 < records.length, `${when}: batch of record ${id} is whole`);
      }
    });
    for (const offset of acknowledged.keys()) {
      assert.ok(offset < records.length || when === 'live read', `${when}: acknowledged offset ${offset} is readable`);
    }
  }

  /** Flips a bit in a sealed segment, checks the read that reaches it fails, and flips it back. */
  private async flipCheck(): Promise<void> {
    const shardIndex = Math.floor(this.random() * shardCount);
    const shardDirectory = path.join(directory, streamKey, String(shardIndex).padStart(6, '0'));
    const fileSystem = this.disk.mount();
    const sealed = (await fileSystem.list(shardDirectory)).filter((name) => name.endsWith('.log')).slice(0, -1);
    if (sealed.length === 0) return;
    const segment = path.join(shardDirectory, sealed[Math.floor(this.random() * sealed.length)] as string);
    const file = await fileSystem.open(segment);
    const sizeBytes = file.size();
    await file.close();
    if (sizeBytes === 0) return;
    const position = Math.floor(this.random() * sizeBytes);
    const bit = Math.floor(this.random() * 8);
    await this.disk.flipBit(segment, position, bit);
    this.tally.bitFlips += 1;
    const shard = this.shards[shardIndex] as ShardLog;
    await assert.rejects(readShard(shard), (error: unknown) => {
      assert.ok(error instanceof CorruptLogError, `a flip at ${segment}:${position} is detected: ${String(error)}`);
      assert.equal(error.details.segment, segment);
      assert.ok(error.details.byteStart <= position && position < error.details.byteEnd);
      return true;
    });
    await this.disk.flipBit(segment, position, bit);
    for (const report of this.reports.splice(0)) {
      assert.equal(report.kind, 'index-rebuilt', `a flipped bit never truncates: ${JSON.stringify(report)}`);
      this.tally.indexRebuilds += 1;
      this.indexesRebuiltFromDamage = true;
    }
    this.checkRecords(shardIndex, await readShard(shard), 'after the flip was undone');
  }
}

/** The id a simulated record carries at the start of its data (`<id>|…`). */
function idOf(record: LogRecord): number {
  return Number(record.data.subarray(0, record.data.indexOf('|')).toString());
}

/** Every committed record of a shard, read in small pieces. */
async function readShard(shard: ShardLog): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  let offset = shard.startOffset();
  const endOffset = shard.endOffset();
  while (offset < endOffset) {
    const result = await shard.read(offset, { recordCountMax: 13, bytesMax: 1_000_000 });
    if (result.records.length === 0) break;
    records.push(...result.records);
    offset = result.nextOffset;
  }
  return records;
}

describe('seeded crash simulation of the segment log', () => {
  for (const durability of ['fsync', 'os'] as const) {
    for (const seed of seeds) {
      test(`seed ${seed}, durability ${durability}: ${stepCount} steps keep every invariant`, async (t) => {
        const simulation = new Simulation(seed, durability);
        await simulation.run();
        const { tally } = simulation;
        t.diagnostic(`seed ${seed} ${durability}: ${JSON.stringify(tally)}`);
        assert.ok(tally.crashes >= 10 && tally.acknowledgedRecords > 100, 'the walk exercised crashes and writes');
      });
    }
  }
});
