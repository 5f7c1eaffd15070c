/** Shard-level metrics shared by EnableEnhancedMonitoring and DisableEnhancedMonitoring. */
import { findStreamIn, type OperationInput, type StreamsContext } from './context.js';
import { kinesisModel } from './model.generated.js';

/** The metric that stands for every other one in requests. */
export const allMetricsName = 'ALL';

function modelMetricNames(): readonly string[] {
  const shape = kinesisModel.shapes.MetricsName;
  if (shape?.type !== 'string' || !shape.enum) throw new Error('the model has no MetricsName enum');
  return shape.enum.filter((name) => name !== allMetricsName);
}

/** Every shard-level metric in the model's order, which answers keep (AWS's own order is not recorded). */
export const shardLevelMetricNames: readonly string[] = modelMetricNames();

/** The requested metrics, with ALL standing for every one of them. */
export function expandMetrics(requested: readonly string[]): Set<string> {
  return new Set(requested.includes(allMetricsName) ? shardLevelMetricNames : requested);
}

function inModelOrder(metrics: ReadonlySet<string>): string[] {
  return shardLevelMetricNames.filter((name) => metrics.has(name));
}

/**
 * Changes the enabled metrics of an ACTIVE stream and answers EnhancedMonitoringOutput: the
 * metrics before the change (current) and after it (desired).
 */
export async function changeShardLevelMetrics(
  context: StreamsContext,
  input: OperationInput,
  change: (enabled: Set<string>, requested: Set<string>) => void,
): Promise<Record<string, unknown>> {
  const stream = findStreamIn(context, input, ['ACTIVE']);
  const current = inModelOrder(new Set(stream.enhancedMonitoring));
  const enabled = new Set(current);
  change(enabled, expandMetrics(input.ShardLevelMetrics as string[]));
  const desired = inModelOrder(enabled);
  stream.enhancedMonitoring = desired;
  await context.registry.save(stream);
  return {
    StreamName: stream.name,
    StreamARN: stream.arn,
    CurrentShardLevelMetrics: current,
    DesiredShardLevelMetrics: desired,
  };
}
