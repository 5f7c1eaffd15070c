/**
 * Bookkeeping shared by the fan-out scenario's systems: a steady open-loop producer, and trackers
 * that turn "consumer c saw record i at time t" into latency percentiles or delivery throughput.
 */
import { performance } from 'node:perf_hooks';
import { LatencySamples } from './stats.mjs';

/** How long consumers may still be catching up after the producer's last write. */
const settleMsMax = 10_000;

/** Sends `count` writes at `ratePerSecond`, open loop; `write(index)` resolves when acknowledged. */
export async function produceSteadily(count, ratePerSecond, sentAt, write, acknowledged) {
  const startedAt = performance.now();
  const inFlight = new Set();
  for (let index = 0; index < count; index++) {
    const waitMs = startedAt + (index * 1000) / ratePerSecond - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    sentAt[index] = performance.now();
    const request = write(index)
      .then(() => acknowledged?.add(performance.now() - sentAt[index]))
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  }
  await Promise.all(inFlight);
}

/** Waits until `done()` or settleMsMax passes. */
export async function settle(done) {
  const deadline = performance.now() + settleMsMax;
  while (!done() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** The per-record bookkeeping of a latency run: first sight of each record by each consumer. */
export function latencyTracker(count, consumers) {
  const sentAt = new Float64Array(count).fill(Number.NaN);
  const seen = Array.from({ length: consumers }, () => new Uint8Array(count));
  const samples = new LatencySamples();
  // The producer's own write latency (sent → acknowledged): what delivery adds is the difference.
  const acknowledgements = new LatencySamples();
  let seenCount = 0;
  return {
    sentAt,
    acknowledgements,
    saw(consumer, index, arrivedAt) {
      if (index < 0 || index >= count || seen[consumer][index]) return;
      seen[consumer][index] = 1;
      seenCount++;
      samples.add(arrivedAt - sentAt[index]);
    },
    complete: () => seenCount === count * consumers,
    result: () => ({
      records: count,
      consumers,
      deliveries: seenCount,
      missing: count * consumers - seenCount,
      ...samples.percentiles(),
      acknowledgedP50Ms: acknowledgements.percentiles().p50Ms,
      acknowledgedP99Ms: acknowledgements.percentiles().p99Ms,
    }),
  };
}

/** Tracks a throughput run: when every consumer has seen every record. */
export function throughputTracker(count, consumers, recordBytes) {
  const seenBy = new Uint32Array(consumers);
  let lastAt = 0;
  return {
    saw(consumer, howMany, arrivedAt) {
      seenBy[consumer] += howMany;
      lastAt = arrivedAt;
    },
    complete: () => seenBy.every((seen) => seen >= count),
    result(startedAt) {
      const delivered = seenBy.reduce((sum, seen) => sum + Math.min(seen, count), 0);
      const seconds = (lastAt - startedAt) / 1000;
      return {
        records: count,
        consumers,
        delivered,
        seconds,
        recordsPerSecond: seconds > 0 ? delivered / seconds : null,
        megabytesPerSecond: seconds > 0 ? (delivered * recordBytes) / 1e6 / seconds : null,
      };
    },
  };
}
