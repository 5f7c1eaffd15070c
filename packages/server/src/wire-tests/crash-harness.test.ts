/**
 * The crash harness: a real server process (durability fsync, a 4-shard stream) under a load of
 * concurrent PutRecords callers is killed with SIGKILL twenty times at seeded moments — right as
 * the Nth call of an iteration is acknowledged, or right after the Nth call has been sent, so
 * other calls are always in flight — and restarted on the same data directory each time. After
 * every restart, a full read of all four shards must show:
 *
 * - every acknowledged record (of every iteration so far), with its exact data, at the sequence
 *   number and shard it was acknowledged with;
 * - no record twice (records carry a unique id in their data), and nothing that was never sent;
 * - sequence numbers strictly increasing per shard, and records of later iterations after those
 *   of earlier ones (sequence numbers keep increasing across restarts).
 *
 * Records whose call was in flight at the kill may or may not be stored; the report counts both.
 * The seed (TRIBUTARY_CRASH_SEED to override) fixes the kill points and the records; no sleeps
 * synchronise anything.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CallTally,
  type FoundRecord,
  idOf,
  JsonCaller,
  Ledger,
  newTally,
  readWholeShard,
} from '../testing/crash-load.js';
import { createStreamJson } from '../testing/kinesis-json.js';
import { seededRandom } from '../testing/random.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

const seed = Number(process.env.TRIBUTARY_CRASH_SEED ?? 20_260_101);
const iterationCount = 20;
const writerCount = 4;
const streamName = 'crash-harness';
const shardIds = [0, 1, 2, 3].map((index) => `shardId-${String(index).padStart(12, '0')}`);
/** Acknowledged calls (or sent calls) per iteration before the kill: the seed picks in this range. */
const callsBeforeKillMin = 3;
const callsBeforeKillMax = 14;
const recordsPerCallMax = 40;
const dataBytesMax = 600;

type KillTrigger = 'after-ack' | 'after-send';

interface IterationOutcome {
  readonly trigger: KillTrigger;
  readonly killAfterCalls: number;
  readonly tally: CallTally;
  /** In-flight records found after the restart (stored though never acknowledged). */
  readonly inFlightFound: number;
  readonly recoveryTruncations: number;
  readonly restartMs: number;
}

/** Runs the writers until the trigger fires, kills the server, and waits for every caller. */
async function writeUntilKilled(
  server: ServerProcess,
  ledger: Ledger,
  plan: { seed: number; iteration: number; trigger: KillTrigger; killAfterCalls: number },
): Promise<CallTally> {
  const tally = newTally();
  const caller = new JsonCaller(server.url, writerCount);
  let killing: Promise<unknown> | undefined;
  let sentCalls = 0;
  const kill = (): void => {
    killing ??= server.kill('SIGKILL');
  };
  const writer = async (writerIndex: number): Promise<void> => {
    // Each writer has its own generator, so a record's content depends on its id, not on timing.
    const random = seededRandom(plan.seed + plan.iteration * writerCount + writerIndex);
    for (let call = 0; killing === undefined; call++) {
      const recordCount = 1 + Math.floor(random() * recordsPerCallMax);
      const records = Array.from({ length: recordCount }, (_, index) =>
        ledger.record(plan.iteration, random, `${plan.iteration}.${writerIndex}.${call}.${index}`, dataBytesMax),
      );
      const input = {
        StreamName: streamName,
        Records: records.map((record) => ({ PartitionKey: record.id, Data: record.data.toString('base64') })),
      };
      let answer: Awaited<ReturnType<JsonCaller['call']>>;
      let sent = false;
      try {
        answer = await caller.call('PutRecords', input, () => {
          sent = true;
          sentCalls += 1;
          if (plan.trigger === 'after-send' && sentCalls === plan.killAfterCalls) kill();
        });
      } catch (error) {
        if (!sent && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
          tally.refusedCalls += 1;
        } else {
          tally.inFlightCalls += 1;
          tally.inFlightRecords += records.length;
          for (const record of records) ledger.inDoubt.add(record.id);
        }
        return;
      }
      assert.equal(answer.statusCode, 200, `PutRecords succeeds: ${JSON.stringify(answer.body)}`);
      const entries = answer.body.Records as Array<{ SequenceNumber?: string; ShardId?: string }>;
      entries.forEach((entry, index) => {
        const id = (records[index] as { id: string }).id;
        if (entry.SequenceNumber === undefined) {
          tally.failedRecords += 1;
          ledger.inDoubt.add(id);
          return;
        }
        ledger.acknowledged.set(id, { shardId: entry.ShardId as string, sequenceNumber: entry.SequenceNumber });
        tally.acknowledgedRecords += 1;
      });
      tally.acknowledgedCalls += 1;
      if (plan.trigger === 'after-ack' && tally.acknowledgedCalls === plan.killAfterCalls) kill();
    }
  };
  await Promise.all(Array.from({ length: writerCount }, (_, writerIndex) => writer(writerIndex)));
  await killing;
  caller.close();
  return tally;
}

/** Reads every shard and checks every invariant; answers how many in-doubt records were found. */
async function checkStream(server: ServerProcess, ledger: Ledger, iteration: number): Promise<number> {
  const caller = new JsonCaller(server.url, 1);
  const found: FoundRecord[] = [];
  try {
    for (const shardId of shardIds) found.push(...(await readWholeShard(caller, streamName, shardId)));
  } finally {
    caller.close();
  }
  const seen = new Map<string, FoundRecord>();
  let previous: { shardId: string; sequence: bigint; iteration: number } | undefined;
  let inDoubtFound = 0;
  for (const record of found) {
    const id = idOf(record.data);
    const sent = ledger.sent.get(id);
    assert.ok(sent !== undefined, `iteration ${iteration}: stored record ${id} was sent`);
    assert.ok(record.data.equals(sent.data), `iteration ${iteration}: record ${id} has its exact data`);
    assert.ok(!seen.has(id), `iteration ${iteration}: record ${id} is stored once, not twice`);
    seen.set(id, record);
    const sequence = BigInt(record.sequenceNumber);
    if (previous?.shardId === record.shardId) {
      assert.ok(sequence > previous.sequence, `iteration ${iteration}: sequence numbers increase in ${record.shardId}`);
      assert.ok(
        sent.iteration >= previous.iteration,
        `iteration ${iteration}: later iterations come after earlier ones`,
      );
    }
    previous = { shardId: record.shardId, sequence, iteration: sent.iteration };
    if (!ledger.acknowledged.has(id)) {
      assert.ok(ledger.inDoubt.has(id), `iteration ${iteration}: unacknowledged record ${id} was in flight`);
      if (sent.iteration === iteration) inDoubtFound += 1;
    }
  }
  for (const [id, acknowledged] of ledger.acknowledged) {
    const record = seen.get(id);
    assert.ok(record !== undefined, `iteration ${iteration}: acknowledged record ${id} survives`);
    assert.deepEqual(
      { shardId: record.shardId, sequenceNumber: record.sequenceNumber },
      acknowledged,
      `iteration ${iteration}: record ${id} is where it was acknowledged`,
    );
  }
  return inDoubtFound;
}

function killMoment(outcome: IterationOutcome): string {
  const count = outcome.killAfterCalls;
  return outcome.trigger === 'after-ack' ? `at acknowledgement ${count}` : `once call ${count} was sent`;
}

function describeOutcome(iteration: number, outcome: IterationOutcome): string {
  const { tally } = outcome;
  const lost = tally.inFlightRecords - outcome.inFlightFound;
  return (
    `iteration ${String(iteration + 1).padStart(2)}: SIGKILL ${killMoment(outcome)} — ` +
    `${tally.acknowledgedRecords} records acknowledged in ${tally.acknowledgedCalls} calls; ` +
    `${tally.inFlightRecords} records in ${tally.inFlightCalls} calls in flight at the kill ` +
    `(${outcome.inFlightFound} stored, ${lost} not); ${tally.refusedCalls} calls refused; ` +
    `${outcome.recoveryTruncations} tail truncations at restart; restart + full check ${outcome.restartMs} ms`
  );
}

describe('crash harness', () => {
  test(`${iterationCount} SIGKILLs under load lose and duplicate nothing acknowledged (seed ${seed})`, async (t) => {
    const random = seededRandom(seed);
    const ledger = new Ledger();
    let server = await startServerProcess({ args: ['--durability', 'fsync'] });
    const outcomes: IterationOutcome[] = [];
    try {
      await createStreamJson(server.url, streamName, shardIds.length);
      for (let iteration = 0; iteration < iterationCount; iteration++) {
        const trigger: KillTrigger = random() < 0.5 ? 'after-ack' : 'after-send';
        const span = callsBeforeKillMax - callsBeforeKillMin + 1;
        const killAfterCalls = callsBeforeKillMin + Math.floor(random() * span);
        const tally = await writeUntilKilled(server, ledger, { seed, iteration, trigger, killAfterCalls });
        const restartStarted = Date.now();
        server = await server.restart();
        const inFlightFound = await checkStream(server, ledger, iteration);
        const recoveryTruncations = (server.output().match(/recovery truncated/g) ?? []).length;
        const outcome = {
          trigger,
          killAfterCalls,
          tally,
          inFlightFound,
          recoveryTruncations,
          restartMs: Date.now() - restartStarted,
        };
        outcomes.push(outcome);
        t.diagnostic(describeOutcome(iteration, outcome));
      }
    } finally {
      await server.stop();
    }
    const sum = (pick: (outcome: IterationOutcome) => number): number =>
      outcomes.reduce((total, outcome) => total + pick(outcome), 0);
    t.diagnostic(
      `total: ${sum((o) => o.tally.acknowledgedRecords)} records acknowledged, all read back exactly once; ` +
        `${sum((o) => o.tally.inFlightRecords)} in flight at kills, of which ${sum((o) => o.inFlightFound)} stored; ` +
        `${sum((o) => o.recoveryTruncations)} tail truncations`,
    );
    assert.equal(outcomes.length, iterationCount);
    assert.ok(sum((o) => o.tally.inFlightCalls) > 0, 'some kills landed while calls were in flight');
  });
});
