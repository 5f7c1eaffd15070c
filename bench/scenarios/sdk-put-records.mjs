/**
 * For the record: scenario 1 through the real AWS SDK v3 client (its default HTTP/2 handler, its own
 * serialization and signing). Shows what an application sees; the raw runs show what the server can do.
 */
import { closedLoop } from '../lib/load.mjs';

export async function sdkPutRecordsScenario(server, options) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { KinesisClient, PutRecordsCommand } = await import('@aws-sdk/client-kinesis');
  const client = new KinesisClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  try {
    const runs = await closedLoop({
      ...options.timing,
      windows: options.repetitions,
      callers: options.callers,
      serverPid: server.pid,
      send: async (callerIndex, iteration) => {
        const records = options.batches[(callerIndex * 7919 + iteration) % options.batches.length];
        const answer = await client.send(new PutRecordsCommand({ StreamName: options.streamName, Records: records }));
        const failed = answer.FailedRecordCount ?? 0;
        return { records: records.length - failed, failed };
      },
    });
    for (const run of runs) run.megabytesPerSecond = (run.recordsPerSecond * options.recordBytes) / 1e6;
    return { runs };
  } finally {
    client.destroy();
  }
}
