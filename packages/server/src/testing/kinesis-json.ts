/**
 * Test support for per-operation tests: raw JSON 1.1 calls (so tests can send what no SDK would:
 * wrong types, missing members, tampered tokens) and one-line assertions on AWS's exact answers.
 */
import assert from 'node:assert/strict';
import { kinesisHeaders, rawRequest } from './raw-request.js';

export interface JsonAnswer {
  readonly statusCode: number;
  readonly body: Record<string, unknown>;
  /** The body as sent (operations without output answer with an empty body). */
  readonly text: string;
}

export async function callJson(url: string, operation: string, input: unknown): Promise<JsonAnswer> {
  const response = await rawRequest(url, {
    headers: kinesisHeaders(operation, 'application/x-amz-json-1.1'),
    body: typeof input === 'string' ? input : JSON.stringify(input),
  });
  const text = response.body.toString('utf8');
  return {
    statusCode: response.statusCode,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    text,
  };
}

/** Asserts a 200 answer with an empty body, as AWS gives for operations without output. */
export async function expectEmptySuccess(url: string, operation: string, input: unknown): Promise<void> {
  const answer = await callJson(url, operation, input);
  assert.equal(answer.statusCode, 200, `${operation} succeeds: ${answer.text}`);
  assert.equal(answer.text, '');
}

/** Asserts a 200 answer and returns its body. */
export async function expectSuccess(url: string, operation: string, input: unknown): Promise<Record<string, unknown>> {
  const answer = await callJson(url, operation, input);
  assert.equal(answer.statusCode, 200, `${operation} succeeds: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Asserts an AWS error answer: status 400, the `__type`, and (when given) the exact message. */
export async function expectError(
  url: string,
  operation: string,
  input: unknown,
  type: string,
  message?: string,
): Promise<void> {
  const answer = await callJson(url, operation, input);
  assert.equal(answer.statusCode, 400, `${operation} answers 400: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.__type, type);
  if (message !== undefined) assert.equal(answer.body.message ?? answer.body.Message, message);
}

export function expectSerialization(url: string, operation: string, input: unknown, message: string): Promise<void> {
  return expectError(url, operation, input, 'SerializationException', message);
}

/** Asserts a ValidationException listing exactly these violations, in this order. */
export function expectValidation(url: string, operation: string, input: unknown, violations: string[]): Promise<void> {
  const count = violations.length;
  const message = `${count} validation error${count > 1 ? 's' : ''} detected: ${violations.join('; ')}`;
  return expectError(url, operation, input, 'ValidationException', message);
}

/** AWS's wording for one violation. */
export function violation(value: string | null, path: string, constraint: string): string {
  return `Value ${value === null ? 'null' : `'${value}'`} at '${path}' failed to satisfy constraint: ${constraint}`;
}

/** Creates a stream through raw calls and waits (bounded) until it is ACTIVE. */
export async function createStreamJson(url: string, name: string, shardCount = 1): Promise<void> {
  await expectSuccess(url, 'CreateStream', { StreamName: name, ShardCount: shardCount });
  for (let attempt = 0; attempt < 200; attempt++) {
    const summary = await expectSuccess(url, 'DescribeStreamSummary', { StreamName: name });
    if ((summary.StreamDescriptionSummary as { StreamStatus: string }).StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** Asserts an AWS error whose message has a part only known at run time (a time, a Java object id). */
export async function expectErrorMatching(
  url: string,
  operation: string,
  input: unknown,
  type: string,
  message: RegExp,
): Promise<void> {
  const answer = await callJson(url, operation, input);
  assert.equal(answer.statusCode, 400, `${operation} answers 400: ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.__type, type);
  assert.match(String(answer.body.message ?? answer.body.Message), message);
}

export type WireType = 'String' | 'Integer' | 'Boolean' | 'Timestamp' | 'Blob' | 'List' | 'Map' | 'Structure';

const truncatingNumber = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

/** AWS's SerializationException for each wrong JSON value per member type (kinesalite's recordings). */
export const wrongTypeAnswers: Readonly<Record<WireType, ReadonlyArray<readonly [unknown, string]>>> = {
  String: [
    [true, 'class java.lang.Boolean can not be converted to an String'],
    [23, `${truncatingNumber} can not be converted to an String`],
    [-2147483648, `${truncatingNumber} can not be converted to an String`],
    [34.56, `${truncatingNumber} can not be converted to an String`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Integer: [
    ['23', 'class java.lang.String can not be converted to an Integer'],
    [true, 'class java.lang.Boolean can not be converted to an Integer'],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Boolean: [
    ['23', "'23' can not be converted to an Boolean"],
    [23, `${truncatingNumber} can not be converted to an Boolean`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Timestamp: [
    [true, 'class java.lang.Boolean can not be converted to milliseconds since epoch'],
    ['23', 'class java.lang.String can not be converted to milliseconds since epoch'],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Blob: [
    [true, 'class java.lang.Boolean can not be converted to a Blob'],
    [23, `${truncatingNumber} can not be converted to a Blob`],
    [[], 'Start of list found where not expected'],
    [{}, 'Start of structure or map found where not expected.'],
    [
      '23456',
      "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5",
    ],
    ['=+/=', "'=+/=' can not be converted to a Blob: Invalid Base64 character: '='"],
    ['+/+=', "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected"],
  ],
  List: [
    ['23', 'Expected list or null'],
    [true, 'Expected list or null'],
    [23, 'Expected list or null'],
    [{}, 'Start of structure or map found where not expected.'],
  ],
  Map: [
    ['23', 'Expected map or null'],
    [true, 'Expected map or null'],
    [23, 'Expected map or null'],
    [[], 'Start of list found where not expected'],
  ],
  Structure: [
    ['23', 'Expected null'],
    [true, 'Expected null'],
    [23, 'Expected null'],
    [[], 'Start of list found where not expected'],
  ],
};

/**
 * Sends `input(value)` once for every wrong JSON value of a member of type `type` and asserts
 * AWS's SerializationException for each.
 */
export async function expectWrongTypes(
  url: string,
  operation: string,
  input: (value: unknown) => unknown,
  type: WireType,
): Promise<void> {
  for (const [value, message] of wrongTypeAnswers[type]) {
    await expectSerialization(url, operation, input(value), message);
  }
}

/** Deletes a stream through raw calls and waits (bounded) until it is gone. */
export async function deleteStreamJson(url: string, name: string): Promise<void> {
  await expectSuccess(url, 'DeleteStream', { StreamName: name });
  for (let attempt = 0; attempt < 200; attempt++) {
    const answer = await callJson(url, 'DescribeStreamSummary', { StreamName: name });
    if (answer.body.__type === 'ResourceNotFoundException') return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`stream ${name} was not deleted`);
}

/** A shard as DescribeStream and ListShards put it on the wire. */
export interface WireShard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
}

/** A stream's status and every shard DescribeStream lists. */
export async function describeShardsJson(url: string, name: string): Promise<{ status: string; shards: WireShard[] }> {
  const answer = await expectSuccess(url, 'DescribeStream', { StreamName: name });
  const description = answer.StreamDescription as { StreamStatus: string; Shards: WireShard[] };
  return { status: description.StreamStatus, shards: description.Shards };
}
