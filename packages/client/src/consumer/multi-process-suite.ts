/**
 * Acceptance: three consumer workers in separate processes share an 8-shard stream under
 * continuous writes; one is killed with SIGKILL. Every written record must be processed at least
 * once, the dead worker's leases must move to the others within the failover time plus two lease
 * passes, and the survivors repeat exactly what it processed after its last checkpoints. Then a
 * second worker stops gracefully (SIGTERM): its leases move at the next lease pass, and nothing it
 * processed is processed again.
 *
 * Run per retrieval mode and lease store (consumer-multi-process-*.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '@tributary/server/dist/testing/clients.js';
import { type ServerProcess, startServerProcess } from '@tributary/server/dist/testing/server-process.js';
import { createActiveStream } from '@tributary/server/dist/testing/streams.js';
import type { LeaseStore } from '../leases/lease-store.js';
import { waitFor } from '../testing/consumer-harness.js';
import type { WorkerConfig } from '../testing/consumer-worker.js';
import { WorkerProcess } from '../testing/worker-process.js';
import { testSubscriptionLifetimeMs } from './consumer-suite.js';
import type { RetrievalOptions } from './types.js';

const shardCount = 8;
const failoverTimeMs = 3000;
/** The lease taker and renewer run every failoverTimeMs / 3 (lease-coordinator.ts). */
const leasePassMs = failoverTimeMs / 3;
/** Allowance for a loaded 2-core machine on top of the protocol's own bound. */
const schedulingSlackMs = 3000;
const checkpointEveryRecords = 20;
const pollingMaxRecords = 20;
const keyCount = 64;
const recordsPerPut = 20;
const putIntervalMs = 40;

export interface LeaseStoreSetup {
  /** The store the workers use, as passed to consumer-worker.ts. */
  readonly workerStore: () => WorkerConfig['leaseStore'];
  /** The same store, for the test to watch the leases. */
  readonly observer: (client: KinesisClient, applicationName: string) => LeaseStore;
}

interface Written {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** Writes numbered records at a steady pace until stopped; remembers where each landed. */
class SteadyWriter {
  readonly written = new Map<string, Written>();
  #stopping = false;
  readonly #loop: Promise<void>;

  constructor(client: KinesisClient, streamName: string) {
    this.#loop = this.#run(client, streamName);
  }

  async #run(client: KinesisClient, streamName: string): Promise<void> {
    for (let call = 0; !this.#stopping; call++) {
      const entries = Array.from({ length: recordsPerPut }, (_, index) => {
        const number = call * recordsPerPut + index;
        return { PartitionKey: `key-${number % keyCount}`, Data: Buffer.from(`m-${number}`) };
      });
      const answer = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
      assert.equal(answer.FailedRecordCount ?? 0, 0);
      entries.forEach((entry, index) => {
        const result = answer.Records?.[index];
        this.written.set(entry.Data.toString('utf8'), {
          shardId: result?.ShardId ?? '',
          sequenceNumber: result?.SequenceNumber ?? '',
        });
      });
      // Pacing, not synchronisation: keeps the write rate steady and the machine responsive.
      await new Promise((resolve) => setTimeout(resolve, putIntervalMs));
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }
}

interface Processing {
  readonly workerId: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly receivedAtMs: number;
}

function processings(workers: readonly WorkerProcess[]): Map<string, Processing[]> {
  const result = new Map<string, Processing[]>();
  for (const worker of workers) {
    for (const { receivedAtMs, line } of worker.lines) {
      if (line.kind !== 'records') continue;
      for (const [sequenceNumber, , , data] of line.records) {
        const list = result.get(data) ?? [];
        list.push({ workerId: line.workerId, shardId: line.shardId, sequenceNumber, receivedAtMs });
        result.set(data, list);
      }
    }
  }
  return result;
}

function events(
  workers: readonly WorkerProcess[],
): Array<{ workerId: string; atMs: number; event: Record<string, unknown> }> {
  return workers.flatMap((worker) =>
    worker.lines.flatMap(({ line }) =>
      line.kind === 'event' ? [{ workerId: line.workerId, atMs: line.atMs, event: line.event }] : [],
    ),
  );
}

function ownerCounts(leases: readonly { leaseOwner?: string | undefined; checkpoint: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const lease of leases) {
    if (lease.checkpoint === 'SHARD_END') continue;
    const owner = lease.leaseOwner ?? '(none)';
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

export function multiProcessSuite(
  mode: RetrievalOptions['mode'],
  storeName: string,
  setup: () => Promise<LeaseStoreSetup>,
  teardown: () => Promise<void>,
): void {
  describe(`three worker processes (${mode} retrieval, ${storeName} lease store)`, () => {
    let server: ServerProcess;
    let client: KinesisClient;
    let stores: LeaseStoreSetup;
    const workers: WorkerProcess[] = [];

    before(async () => {
      server = await startServerProcess({
        inMemory: true,
        args: ['--subscription-lifetime-ms', String(testSubscriptionLifetimeMs)],
      });
      client = kinesisClient(server.url);
      stores = await setup();
    });
    after(async () => {
      await Promise.all(workers.map((worker) => worker.kill()));
      client.destroy();
      await server.stop();
      await teardown();
    });

    test('share 8 shards evenly; a SIGKILLed worker’s leases move after the failover time, a stopped one’s at once; no record skipped', async (t) => {
      const streamName = `multi-${mode}`;
      const applicationName = `multi-app-${mode}`;
      await createActiveStream(client, streamName, shardCount);
      const observer = stores.observer(client, applicationName);
      const writer = new SteadyWriter(client, streamName);
      const retrieval: RetrievalOptions =
        mode === 'polling' ? { mode, maxRecords: pollingMaxRecords, idleTimeBetweenReadsMs: 50 } : { mode };
      for (const workerId of ['w1', 'w2', 'w3']) {
        workers.push(
          new WorkerProcess({
            url: server.url,
            streamName,
            applicationName,
            workerId,
            retrieval,
            failoverTimeMs,
            checkpointEveryRecords,
            leaseStore: stores.workerStore(),
          }),
        );
      }
      const detail = (): string => workers.map((worker) => `${worker.workerId}: ${worker.stderr}`).join('\n');
      const [w1, w2, w3] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];
      await waitFor(
        () => workers.every((worker) => worker.lines.some(({ line }) => line.kind === 'started')),
        'three workers started',
        { detail },
      );
      let lastCounts = new Map<string, number>();
      const balanceMs = await waitFor(
        async () => {
          const counts = ownerCounts(await observer.listLeases());
          lastCounts = counts;
          return (
            counts.size === 3 &&
            ['w1', 'w2', 'w3'].every((id) => (counts.get(id) ?? 0) >= 2 && (counts.get(id) ?? 0) <= 3)
          );
        },
        'the leases to spread 2–3 per worker',
        { detail: () => JSON.stringify([...lastCounts]) },
      );
      await waitFor(() => processings([w2]).size > 0 && writer.written.size > 500, 'w2 to process records');

      const victimShards = (await observer.listLeases())
        .filter((lease) => lease.leaseOwner === 'w2')
        .map((lease) => lease.leaseKey);
      const killedAtMs = Date.now();
      await w2.kill();
      const rebalanceMs = await waitFor(
        async () => {
          const leases = await observer.listLeases();
          return victimShards.every((shardId) => {
            const owner = leases.find((lease) => lease.leaseKey === shardId)?.leaseOwner;
            return owner === 'w1' || owner === 'w3';
          });
        },
        `w2's leases (${victimShards.join(', ')}) to be taken by w1 and w3`,
        { timeoutMs: 4 * failoverTimeMs },
      );
      const boundMs = failoverTimeMs + 2 * leasePassMs + schedulingSlackMs;
      assert.ok(rebalanceMs <= boundMs, `leases moved ${rebalanceMs} ms after the kill (bound ${boundMs} ms)`);
      await waitFor(async () => {
        const counts = ownerCounts(await observer.listLeases());
        return counts.get('w1') === 4 && counts.get('w3') === 4;
      }, 'w1 and w3 to hold four leases each');

      const writtenAtKill = writer.written.size;
      await waitFor(() => writer.written.size > writtenAtKill + 400, 'more writes after the kill');

      // w3 stops gracefully: final checkpoints, leases released; w1 takes them at its next pass.
      const gracefulShards = (await observer.listLeases())
        .filter((lease) => lease.leaseOwner === 'w3')
        .map((lease) => lease.leaseKey);
      assert.equal(await w3.stop(), 0, 'w3 stopped gracefully');
      const w3ExitedAtMs = Date.now();
      const handoverMs = await waitFor(
        async () => ownerCounts(await observer.listLeases()).get('w1') === shardCount,
        'w1 to hold every lease after w3 stopped',
        { timeoutMs: failoverTimeMs },
      );
      const writtenAtStop = writer.written.size;
      await waitFor(() => writer.written.size > writtenAtStop + 200, 'more writes after the graceful stop');
      await writer.stop();
      const written = writer.written;
      await waitFor(
        () => {
          const seen = processings(workers);
          return [...written.keys()].every((data) => seen.has(data));
        },
        'every written record to be processed',
        { detail: () => `${[...written.keys()].filter((data) => !processings(workers).has(data)).length} missing` },
      );
      assert.equal(await w1.stop(), 0, 'w1 stopped gracefully');

      // Every record at least once, by a worker reading the shard it was written to.
      const seen = processings(workers);
      for (const [data, where] of written) {
        const processed = seen.get(data) ?? [];
        assert.ok(processed.length >= 1, `${data} was processed`);
        assert.ok(
          processed.every((entry) => entry.shardId === where.shardId && entry.sequenceNumber === where.sequenceNumber),
        );
      }
      // Repeats come only with a lease changing hands, at most one checkpoint interval plus one batch each.
      const allEvents = events(workers);
      const handovers = allEvents.filter(
        (entry) => entry.event.type === 'leaseTaken' && entry.event.previousOwner !== undefined,
      );
      const batchMax = Math.max(
        ...workers.flatMap((worker) =>
          worker.lines.flatMap(({ line }) => (line.kind === 'records' ? [line.records.length] : [])),
        ),
      );
      const repeats = [...seen.values()].reduce((sum, list) => sum + list.length - 1, 0);
      const repeatBound = handovers.length * (checkpointEveryRecords + batchMax);
      assert.ok(
        repeats <= repeatBound,
        `${repeats} repeats ≤ ${handovers.length} handovers × (${checkpointEveryRecords} + ${batchMax})`,
      );
      // On w2's shards, the survivors repeated exactly what w2 had processed after its last
      // checkpoint there (a checkpoint written just before the kill but not yet reported may
      // make the repeats fewer, never more).
      let uncheckpointedAtKill = 0;
      let repeatsAfterKill = 0;
      for (const shardId of victimShards) {
        const checkpoints = allEvents.filter(
          (entry) => entry.workerId === 'w2' && entry.event.type === 'checkpointed' && entry.event.shardId === shardId,
        );
        const lastCheckpoint = BigInt(String(checkpoints.at(-1)?.event.checkpoint ?? '-1'));
        for (const [data, list] of seen) {
          const byVictim = list.find((entry) => entry.workerId === 'w2' && entry.shardId === shardId);
          if (byVictim === undefined) continue;
          const uncheckpointed = BigInt(byVictim.sequenceNumber) > lastCheckpoint;
          if (uncheckpointed) uncheckpointedAtKill++;
          const again = list.some(
            (entry) => entry.workerId !== 'w2' && entry.shardId === shardId && entry.receivedAtMs > killedAtMs,
          );
          if (!again) continue;
          repeatsAfterKill++;
          assert.ok(uncheckpointed, `${data}, covered by w2's checkpoint on ${shardId}, was processed again`);
        }
      }
      assert.ok(
        uncheckpointedAtKill <= victimShards.length * (checkpointEveryRecords + batchMax),
        `${uncheckpointedAtKill} records processed after w2's last checkpoints on ${victimShards.length} shards`,
      );
      // Nothing w3 processed was processed again after its graceful stop: its final checkpoints covered it.
      for (const [data, list] of seen) {
        const byW3 = list.some((entry) => entry.workerId === 'w3' && gracefulShards.includes(entry.shardId));
        const laterByW1 = list.some((entry) => entry.workerId === 'w1' && entry.receivedAtMs > w3ExitedAtMs);
        assert.ok(!(byW3 && laterByW1), `${data}, processed by w3 before its graceful stop, was processed again`);
      }
      const errors = allEvents.filter((entry) => entry.event.type === 'error');
      t.diagnostic(
        `balanced ${balanceMs} ms after start; w2 held ${victimShards.length} leases; moved ${rebalanceMs} ms after SIGKILL (bound ${boundMs}); ` +
          `${written.size} records, ${repeats} repeats over ${handovers.length} handovers (${repeatsAfterKill} after the kill, of ${uncheckpointedAtKill} w2 had not checkpointed); ` +
          `w3 stopped gracefully, w1 held all ${shardCount} leases ${handoverMs} ms after; largest batch ${batchMax}; ${errors.length} error events`,
      );
    });
  });
}
