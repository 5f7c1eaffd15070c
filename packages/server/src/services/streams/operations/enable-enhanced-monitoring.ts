import type { Operation } from '../context.js';
import { changeShardLevelMetrics } from '../enhanced-monitoring.js';

export const enableEnhancedMonitoring: Operation = (context, input) =>
  changeShardLevelMetrics(context, input, (enabled, requested) => {
    for (const metric of requested) enabled.add(metric);
  });
