/**
 * Test support for the crash harness: concurrent PutRecords writers over raw JSON 1.1 (keep-alive
 * HTTP/1.1, so the server is what is measured and a kill shows as a reset connection), records
 * that carry a unique id in their data, and a ledger of what was acknowledged, what was in flight
 * when the server died, and what a full read of the stream finds.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { seededBytes } from './random.js';
import { kinesisHeaders } from './raw-request.js';

/** One record as sent: its id is also the start of its data (`<id>|…`) and its partition key. */
export interface SentRecord {
  readonly id: string;
  readonly iteration: number;
  readonly data: Buffer;
}

export interface AcknowledgedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** The fate of every PutRecords call of one iteration. */
export interface CallTally {
  acknowledgedCalls: number;
  acknowledgedRecords: number;
  /** Records a 200 answer reported as failed (ErrorCode): not acknowledged. */
  failedRecords: number;
  /** Calls sent and not answered when the server died, and their records. */
  inFlightCalls: number;
  inFlightRecords: number;
  /** Calls refused before reaching the server (it was already dead). */
  refusedCalls: number;
}

export function newTally(): CallTally {
  return {
    acknowledgedCalls: 0,
    acknowledgedRecords: 0,
    failedRecords: 0,
    inFlightCalls: 0,
    inFlightRecords: 0,
    refusedCalls: 0,
  };
}

/** Everything sent and acknowledged so far, across iterations and restarts. */
export class Ledger {
  readonly sent = new Map<string, SentRecord>();
  readonly acknowledged = new Map<string, AcknowledgedRecord>();
  /** Ids of records whose call was in flight at a kill: they may or may not be stored. */
  readonly inDoubt = new Set<string>();

  record(iteration: number, random: () => number, id: string, dataBytesMax: number): SentRecord {
    const data = Buffer.concat([Buffer.from(`${id}|`), seededBytes(random, Math.floor(random() * dataBytesMax))]);
    const sent = { id, iteration, data };
    this.sent.set(id, sent);
    return sent;
  }
}

/** A record read back from the stream. */
export interface FoundRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly data: Buffer;
}

export function idOf(data: Buffer): string {
  const end = data.indexOf('|');
  assert.ok(end > 0, 'every stored record starts with its id');
  return data.subarray(0, end).toString();
}

export interface JsonAnswer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
}

/** A keep-alive JSON 1.1 caller for one server process. */
export class JsonCaller {
  private readonly agent: http.Agent;

  constructor(
    private readonly url: string,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /**
   * Sends one call. `onSent` runs once the whole request is on the wire (the server may be
   * working on it from then on). Resolves with the status and body, rejects on a broken connection.
   */
  call(operation: string, input: unknown, onSent?: () => void): Promise<JsonAnswer> {
    const body = Buffer.from(JSON.stringify(input));
    const target = new URL('/', this.url);
    return new Promise((resolve, reject) => {
      const request = http.request(
        target,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...kinesisHeaders(operation, 'application/x-amz-json-1.1'), 'Content-Length': body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          // A server killed mid-answer cuts the body short: that call's fate is unknown.
          response.on('close', () => {
            if (!response.complete) reject(new Error('the answer was cut short'));
          });
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({
                statusCode: response.statusCode ?? 0,
                body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
              });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('error', reject);
      request.on('finish', () => onSent?.());
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads a whole shard from TRIM_HORIZON, in GetRecords calls of up to 10,000 records. */
export async function readWholeShard(caller: JsonCaller, streamName: string, shardId: string): Promise<FoundRecord[]> {
  const started = await caller.call('GetShardIterator', {
    StreamName: streamName,
    ShardId: shardId,
    ShardIteratorType: 'TRIM_HORIZON',
  });
  assert.equal(started.statusCode, 200, JSON.stringify(started.body));
  let iterator = started.body.ShardIterator as string | undefined;
  const found: FoundRecord[] = [];
  // An open shard always hands back a next iterator; an empty page means the end was reached.
  for (let page = 0; iterator !== undefined && page < 10_000; page++) {
    const answer = await caller.call('GetRecords', { ShardIterator: iterator, Limit: 10_000 });
    assert.equal(answer.statusCode, 200, JSON.stringify(answer.body));
    const records = answer.body.Records as Array<{ SequenceNumber: string; Data: string }>;
    for (const record of records) {
      found.push({ shardId, sequenceNumber: record.SequenceNumber, data: Buffer.from(record.Data, 'base64') });
    }
    if (records.length === 0) break;
    iterator = answer.body.NextShardIterator as string | undefined;
  }
  return found;
}
