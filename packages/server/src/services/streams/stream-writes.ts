/**
 * What every write (PutRecord, PutRecords) does around its appends: it routes and appends inside
 * the stream's fence, against the shard map current once it got in (a resharding that completed
 * while it waited has moved the hash ranges to the children), and it feeds the on-demand meter.
 */
import type { StreamsContext } from './context.js';
import { streamErrors } from './errors.js';
import type { ShardState, StreamState } from './state.js';
import type { MeteredRecord } from './write-meter.js';

export function withStreamWrites<T>(
  context: StreamsContext,
  stream: StreamState,
  write: (current: StreamState) => Promise<T>,
): Promise<T> {
  return context.fence.write(stream.key, async () => {
    const current = context.registry.find(stream.name);
    if (current?.key !== stream.key || (current.status !== 'ACTIVE' && current.status !== 'UPDATING')) {
      throw streamErrors.streamNotFound(stream.name, context.config.accountId);
    }
    return write(current);
  });
}

/** Counts appended records for the on-demand scaler (ON_DEMAND streams only). */
export function meterAppend(
  context: StreamsContext,
  stream: StreamState,
  shard: ShardState,
  records: readonly MeteredRecord[],
): void {
  if (stream.mode === 'ON_DEMAND') context.writeMeter.record(stream.key, shard.index, records);
}
