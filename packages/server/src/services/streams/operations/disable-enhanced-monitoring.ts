import type { Operation } from '../context.js';
import { changeShardLevelMetrics } from '../enhanced-monitoring.js';

export const disableEnhancedMonitoring: Operation = (context, input) =>
  changeShardLevelMetrics(context, input, (enabled, requested) => {
    for (const metric of requested) enabled.delete(metric);
  });
