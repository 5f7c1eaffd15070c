/**
 * The raw load-generator client: undici Pools with keep-alive, hand-built JSON 1.1 requests and a
 * syntactically complete fake SigV4 header (Tributary and kinesalite insist on one; none of the
 * systems verifies it). Bodies are Buffers built before the clock starts.
 */
import { Pool } from 'undici';

export const jsonContentType = 'application/x-amz-json-1.1';
export const fakeAuthorization =
  'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, ' +
  'SignedHeaders=host;x-amz-date;x-amz-target, Signature=00';
/** No single call may take longer: a stuck server fails the scenario instead of hanging the run. */
export const requestTimeoutMs = 60_000;

const headersByOperation = new Map();

/** The headers of one operation, built once and shared by every call. */
export function kinesisHeaders(operation) {
  let headers = headersByOperation.get(operation);
  if (!headers) {
    headers = {
      'content-type': jsonContentType,
      'x-amz-target': `Kinesis_20131202.${operation}`,
      'x-amz-date': '20260101T000000Z',
      authorization: fakeAuthorization,
    };
    headersByOperation.set(operation, headers);
  }
  return headers;
}

export class KinesisCallError extends Error {
  constructor(operation, statusCode, body) {
    super(`${operation} answered ${statusCode}: ${body.toString('utf8', 0, 300)}`);
    this.statusCode = statusCode;
  }
}

export class KinesisClient {
  #pool;

  /** @param {string} url  @param {{connections?: number}} [options] */
  constructor(url, options = {}) {
    this.url = url;
    this.#pool = new Pool(url, {
      connections: options.connections ?? 1,
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: requestTimeoutMs,
      bodyTimeout: requestTimeoutMs,
    });
  }

  /** Sends one call and returns its status and whole body (a Buffer); never throws on HTTP errors. */
  async send(operation, body) {
    const response = await this.#pool.request({
      path: '/',
      method: 'POST',
      headers: kinesisHeaders(operation),
      body: Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)),
    });
    const chunks = [];
    let sizeBytes = 0;
    for await (const chunk of response.body) {
      chunks.push(chunk);
      sizeBytes += chunk.length;
    }
    return {
      statusCode: response.statusCode,
      body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, sizeBytes),
    };
  }

  /** Sends one call and parses its JSON answer; throws KinesisCallError unless it is a 200. */
  async call(operation, input) {
    const { statusCode, body } = await this.send(operation, input);
    if (statusCode !== 200) throw new KinesisCallError(operation, statusCode, body);
    return body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  }

  close() {
    return this.#pool.close();
  }
}

/** Creates a stream and waits (bounded) until it is ACTIVE; returns its shard ids. */
export async function createActiveStream(client, options) {
  await client.call('CreateStream', { StreamName: options.streamName, ShardCount: options.shardCount });
  const deadline = Date.now() + (options.waitMsMax ?? 30_000);
  while (Date.now() < deadline) {
    const { StreamDescription: description } = await client.call('DescribeStream', { StreamName: options.streamName });
    if (description.StreamStatus === 'ACTIVE') return description.Shards.map((shard) => shard.ShardId);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${options.streamName} did not become ACTIVE in time`);
}

export async function shardIterator(client, options) {
  const answer = await client.call('GetShardIterator', {
    StreamName: options.streamName,
    ShardId: options.shardId,
    ShardIteratorType: options.type,
  });
  return answer.ShardIterator;
}

const failedCountPattern = /"FailedRecordCount"\s*:\s*(\d+)/;

/** FailedRecordCount of a PutRecords answer, read without parsing the whole 500-entry document. */
export function failedRecordCount(body) {
  const head = body.toString('latin1', 0, Math.min(body.length, 200));
  const match = failedCountPattern.exec(head) ?? failedCountPattern.exec(body.toString('latin1'));
  return match ? Number(match[1]) : null;
}
