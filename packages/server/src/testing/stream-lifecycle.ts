/**
 * Test support: streams in a given lifecycle state, through raw JSON calls. Every wait is a bounded
 * poll. A test server started with a long `--delete-stream-ms` keeps a deleted stream DELETING for
 * the whole run, which is how tests reach the non-ACTIVE answers without racing a timer.
 */
import { callJson, createStreamJson, expectSuccess } from './kinesis-json.js';

/** The account and region `startServerProcess` servers answer as (the server defaults). */
export const testAccountId = '000000000000';
export const testRegion = 'us-east-1';
/** Long enough that a transition never completes during a test run. */
export const transitionNeverMs = '3600000';

const pollsMax = 1000;
const pollIntervalMs = 10;

export function testStreamArn(name: string): string {
  return `arn:aws:kinesis:${testRegion}:${testAccountId}:stream/${name}`;
}

async function streamStatus(url: string, name: string): Promise<string | undefined> {
  const answer = await callJson(url, 'DescribeStreamSummary', { StreamName: name });
  if (answer.statusCode !== 200) return undefined;
  return (answer.body.StreamDescriptionSummary as { StreamStatus: string }).StreamStatus;
}

/** Polls (bounded) until the stream is in `status`, or gone when `status` is undefined. */
export async function waitForStatusJson(url: string, name: string, status: string | undefined): Promise<void> {
  let last: string | undefined;
  for (let attempt = 0; attempt < pollsMax; attempt++) {
    last = await streamStatus(url, name);
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  throw new Error(`stream ${name} is ${last ?? 'gone'}, not ${status ?? 'gone'}, after ${pollsMax} polls`);
}

export async function createOnDemandStreamJson(url: string, name: string): Promise<void> {
  await expectSuccess(url, 'CreateStream', { StreamName: name, StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
  await waitForStatusJson(url, name, 'ACTIVE');
}

/** Creates a stream and deletes it; on a server with a long `--delete-stream-ms` it stays DELETING. */
export async function createDeletingStreamJson(url: string, name: string): Promise<void> {
  await createStreamJson(url, name, 1);
  await expectSuccess(url, 'DeleteStream', { StreamName: name });
  await waitForStatusJson(url, name, 'DELETING');
}
