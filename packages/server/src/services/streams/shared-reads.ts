/**
 * Subscribers of one shard that are caught up all wake on the same commit and ask the log for the
 * same records. Reads asked for while an identical one is in flight share it: ten consumers cost
 * one storage read, and (with the event built once per read, see shard-subscription.ts, and the
 * frame encoded once per event, see protocol/event-stream.ts) one encoding. Only reads in flight
 * are shared, so nothing is retained after they settle: this is not a cache.
 */
import type { ReadLimits, ReadOptions, ReadResult, ShardLog } from '../../storage/ports.js';

const inFlight = new WeakMap<ShardLog, Map<string, Promise<ReadResult>>>();

/** `log.read(...)`, joined to an identical read already in flight. */
export function sharedRead(
  log: ShardLog,
  fromOffset: number,
  limits: ReadLimits,
  options: ReadOptions,
): Promise<ReadResult> {
  let reads = inFlight.get(log);
  if (!reads) {
    reads = new Map();
    inFlight.set(log, reads);
  }
  const key = `${fromOffset} ${limits.recordCountMax} ${limits.bytesMax}`;
  const existing = reads.get(key);
  if (existing) return existing;
  const read = log.read(fromOffset, limits, options);
  reads.set(key, read);
  const forget = (): void => {
    if (reads.get(key) === read) reads.delete(key);
  };
  read.then(forget, forget);
  return read;
}
