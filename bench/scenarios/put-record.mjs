/** Scenario 2: PutRecord, 100-byte records, with N closed-loop callers: requests/s, p50, p99. */
import { KinesisClient } from '../lib/kinesis-client.mjs';
import { closedLoop } from '../lib/load.mjs';

export async function putRecordScenario(server, options) {
  const client = new KinesisClient(server.url, { connections: options.callers });
  try {
    const runs = await closedLoop({
      ...options.timing,
      windows: options.repetitions,
      callers: options.callers,
      serverPid: server.pid,
      send: async (callerIndex, iteration) => {
        const body = options.bodies[(callerIndex * 7919 + iteration) % options.bodies.length];
        const { statusCode, body: answer } = await client.send('PutRecord', body);
        if (statusCode !== 200)
          return { records: 0, failed: 1, error: `${statusCode} ${answer.toString('utf8', 0, 200)}` };
        return { records: 1, failed: 0 };
      },
    });
    return { runs };
  } finally {
    await client.close();
  }
}
