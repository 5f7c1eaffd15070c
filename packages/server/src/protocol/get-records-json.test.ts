import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeAnswer, encodeBody, type PieceSink, PiecewiseBody, toJsonWire, withJsonWriter } from './codec.js';
import {
  answerPieceBytes,
  encodeGetRecordsJson,
  GetRecordsJsonWriter,
  type GetRecordsWireOutput,
  type GetRecordsWireRecord,
  getRecordsJsonBody,
  wireRecordSource,
} from './get-records-json.js';

/** The generic path every answer took before the writer: toJsonWire, JSON.stringify, UTF-8. */
function genericJson(output: object): Buffer {
  return Buffer.from(JSON.stringify(toJsonWire(output)), 'utf8');
}

const partitionKey = fc.oneof(
  fc.string({ minLength: 1, maxLength: 24 }),
  // Any UTF-16 code unit, lone surrogates included: JSON.stringify escapes those.
  fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 8 }),
  fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u2028', 'ключ', '🔑', 'a"b\\c\nd'),
  fc.string({ minLength: 200, maxLength: 256 }),
);

const sequenceNumber = fc.oneof(
  fc.bigInt({ min: 0n, max: (1n << 186n) - 1n }).map((value) => value.toString()),
  // Never made by the operation, but the writer must still escape whatever it is given.
  fc.string({ maxLength: 8 }),
);

const arrivalMs = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }),
  fc.constantFrom(0, 1, 999, 1_764_123_456_789, 1_764_123_456_000, 1_764_123_456_780),
);

const record: fc.Arbitrary<GetRecordsWireRecord> = fc.record({
  SequenceNumber: sequenceNumber,
  ApproximateArrivalTimestamp: arrivalMs.map((ms) => new Date(ms)),
  Data: fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  PartitionKey: partitionKey,
  EncryptionType: fc.option(fc.constant('KMS'), { nil: undefined }),
});

const childShard = fc.record({
  ShardId: fc.constantFrom('shardId-000000000001', 'shardId-000000000002'),
  ParentShards: fc.array(fc.constantFrom('shardId-000000000000', 'shardId-000000000003'), { maxLength: 2 }),
  HashKeyRange: fc.record({
    StartingHashKey: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String),
    EndingHashKey: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String),
  }),
});

/** Shaped as get-records.ts builds it: Records first, then the other members, some undefined. */
const answer: fc.Arbitrary<GetRecordsWireOutput> = fc
  .record({
    records: fc.array(record, { maxLength: 40 }),
    // Records of one answer usually share arrival times (one batch): repeat some.
    sameArrival: fc.boolean(),
    next: fc.option(fc.base64String({ minLength: 4, maxLength: 300 }), { nil: undefined }),
    behind: fc.oneof(fc.nat(), fc.constant(0)),
    children: fc.option(fc.array(childShard, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  })
  .map(({ records, sameArrival, next, behind, children }) => {
    const first = records[0]?.ApproximateArrivalTimestamp;
    return {
      Records:
        sameArrival && first
          ? records.map((item) => ({ ...item, ApproximateArrivalTimestamp: new Date(first) }))
          : records,
      NextShardIterator: next,
      MillisBehindLatest: behind,
      ChildShards: children,
    };
  });

describe('GetRecords JSON writer', () => {
  it('writes byte for byte what the generic path writes, for random answers', () => {
    fc.assert(
      fc.property(answer, (output) => {
        const written = encodeGetRecordsJson(output);
        const generic = genericJson(output);
        assert.equal(written.toString('latin1'), generic.toString('latin1'));
        assert.deepEqual(JSON.parse(written.toString('utf8')), JSON.parse(generic.toString('utf8')));
      }),
      { seed: 20261126, numRuns: 400 },
    );
  });

  it('writes digit-only sequence numbers of a source that says so byte for byte as the generic path', () => {
    const digitsAnswer = answer.chain((output) =>
      fc
        .array(fc.bigInt({ min: 0n, max: (1n << 186n) - 1n }), {
          minLength: output.Records.length,
          maxLength: output.Records.length,
        })
        .map((numbers) => ({
          ...output,
          Records: output.Records.map((item, index) => ({ ...item, SequenceNumber: String(numbers[index]) })),
        })),
    );
    fc.assert(
      fc.property(digitsAnswer, (output) => {
        const { Records, ...rest } = output;
        const writer = new GetRecordsJsonWriter(
          { ...wireRecordSource(Records), plainSequenceNumbers: true },
          Object.entries(rest),
        );
        const out = Buffer.alloc(writer.byteLength);
        assert.equal(writer.writeInto(out), writer.byteLength);
        assert.equal(out.toString('latin1'), genericJson(output).toString('latin1'));
      }),
      { seed: 20261127, numRuns: 200 },
    );
  });

  it('writes empty data, a 1 MiB record, encrypted records and child shards at the end of a shard', () => {
    const megabyte = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < megabyte.length; index++) megabyte[index] = (index * 131 + 7) & 0xff;
    const output = {
      Records: [
        {
          SequenceNumber: '49671243657004392783627391234567890123456789012345678901',
          ApproximateArrivalTimestamp: new Date(1_764_123_456_789),
          Data: Buffer.alloc(0),
          PartitionKey: 'empty',
          EncryptionType: undefined,
        },
        {
          SequenceNumber: '49671243657004392783627391234567890123456789012345678902',
          ApproximateArrivalTimestamp: new Date(1_764_123_456_789),
          Data: megabyte,
          PartitionKey: 'größe 🔑',
          EncryptionType: 'KMS',
        },
      ],
      NextShardIterator: undefined,
      MillisBehindLatest: 0,
      ChildShards: [
        {
          ShardId: 'shardId-000000000001',
          ParentShards: ['shardId-000000000000'],
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: '170141183460469231731687303715884105727' },
        },
      ],
    };
    const written = encodeGetRecordsJson(output);
    assert.deepEqual(written, genericJson(output));
    const parsed = JSON.parse(written.toString('utf8'));
    assert.equal(parsed.Records[0].Data, '');
    assert.equal(Buffer.from(parsed.Records[1].Data, 'base64').equals(megabyte), true);
    assert.equal(parsed.Records[1].PartitionKey, 'größe 🔑');
    assert.equal(parsed.Records[1].EncryptionType, 'KMS');
    assert.equal('EncryptionType' in parsed.Records[0], false);
    assert.equal(parsed.Records[0].ApproximateArrivalTimestamp, 1_764_123_456.789);
    assert.equal('NextShardIterator' in parsed, false);
    assert.equal(parsed.ChildShards[0].ShardId, 'shardId-000000000001');
  });

  it('writes an answer without records', () => {
    const output = { Records: [], NextShardIterator: 'AAAA', MillisBehindLatest: 12 };
    assert.equal(
      encodeGetRecordsJson(output).toString(),
      '{"Records":[],"NextShardIterator":"AAAA","MillisBehindLatest":12}',
    );
  });

  it('keeps the member order of an answer whose Records is not first', () => {
    const output = { MillisBehindLatest: 3, Records: [] } as unknown as GetRecordsWireOutput;
    assert.equal(encodeGetRecordsJson(output).toString(), '{"MillisBehindLatest":3,"Records":[]}');
  });

  it('is what encodeBody writes for a marked answer, in JSON; CBOR ignores the mark', () => {
    fc.assert(
      fc.property(answer, (output) => {
        const marked = withJsonWriter({ ...output }, encodeGetRecordsJson);
        assert.deepEqual(encodeBody(marked, 'json'), genericJson(output));
        assert.deepEqual(encodeBody(marked, 'cbor'), encodeBody({ ...output }, 'cbor'));
        assert.deepEqual(Object.keys(marked), Object.keys(output));
      }),
      { seed: 7, numRuns: 50 },
    );
  });

  it('writes the same bytes in pieces of any size that holds the largest part', () => {
    fc.assert(
      fc.property(answer, fc.integer({ min: 0, max: 3000 }), (output, extra) => {
        const { Records, ...rest } = output;
        const writer = new GetRecordsJsonWriter(wireRecordSource(Records), Object.entries(rest));
        const piece = Buffer.alloc(writer.largestPartBytes + extra);
        const parts: Buffer[] = [];
        while (!writer.done) parts.push(Buffer.from(piece.subarray(0, writer.writeInto(piece))));
        assert.equal(writer.writeInto(piece), 0);
        assert.deepEqual(Buffer.concat(parts), genericJson(output));
        assert.equal(Buffer.concat(parts).length, writer.byteLength);
      }),
      { seed: 99, numRuns: 300 },
    );
  });

  it('refuses a piece smaller than the largest part instead of writing half a record', () => {
    const output = { Records: [{ ...sampleRecord(), Data: Buffer.alloc(3000) }], MillisBehindLatest: 0 };
    const writer = new GetRecordsJsonWriter(wireRecordSource(output.Records), [['MillisBehindLatest', 0]]);
    writer.writeInto(Buffer.alloc(100));
    assert.throws(() => writer.writeInto(Buffer.alloc(100)), RangeError);
  });
});

function sampleRecord(): GetRecordsWireRecord {
  return {
    SequenceNumber: '49671243657004392783627391234567890123456789012345678901',
    ApproximateArrivalTimestamp: new Date(1_764_123_456_789),
    Data: Buffer.from('data'),
    PartitionKey: 'key',
    EncryptionType: undefined,
  };
}

/** A sink that keeps what it was given; write callbacks run later (or at once, or fail). */
function recordingSink(mode: 'later' | 'at-once' | 'fail-second'): PieceSink & {
  readonly chunks: Buffer[];
  ended: boolean;
  destroyed: boolean;
  finished: Promise<void>;
} {
  let finish: () => void = () => undefined;
  let writes = 0;
  const sink = {
    chunks: [] as Buffer[],
    ended: false,
    destroyed: false,
    finished: new Promise<void>((resolve) => {
      finish = resolve;
    }),
    write(chunk: Buffer, callback: (error?: Error | null) => void): boolean {
      // Copied now: the body reuses its pieces once their callback ran.
      sink.chunks.push(Buffer.from(chunk));
      writes++;
      const error = mode === 'fail-second' && writes === 2 ? new Error('connection reset') : null;
      if (error) setImmediate(finish);
      if (mode === 'at-once') callback(error);
      else setImmediate(() => callback(error));
      return true;
    },
    end(): void {
      sink.ended = true;
      finish();
    },
    destroy(): void {
      sink.destroyed = true;
      finish();
    },
  };
  return sink;
}

/** Records enough for several pieces: 3000 × 1 KiB is ~4 MB of JSON. */
function largeAnswer(): GetRecordsWireOutput {
  return {
    Records: Array.from({ length: 3000 }, (_, index) => ({
      ...sampleRecord(),
      Data: Buffer.alloc(1024, index & 0xff),
      PartitionKey: `key-${index}`,
    })),
    NextShardIterator: 'AAAA',
    MillisBehindLatest: 5,
  };
}

describe('piecewise GetRecords answers', () => {
  it('sends large answers in pieces with the same bytes, whether write callbacks come later or at once', async () => {
    for (const mode of ['later', 'at-once'] as const) {
      const output = largeAnswer();
      let written = 0;
      const body = getRecordsJsonBody(output, () => written++);
      assert.ok(body instanceof PiecewiseBody);
      assert.equal(written, 0, 'the records are still needed before the body is written');
      const sink = recordingSink(mode);
      body.writeTo(sink);
      await sink.finished;
      assert.equal(sink.ended, true);
      assert.equal(written, 1);
      assert.ok(sink.chunks.length > 3, 'several pieces');
      assert.ok(sink.chunks.every((chunk) => chunk.length <= answerPieceBytes));
      assert.deepEqual(Buffer.concat(sink.chunks), genericJson(output));
      assert.equal(body.byteLength, genericJson(output).length);
    }
  });

  it('stops at a failed write and never ends the body', async () => {
    const body = getRecordsJsonBody(largeAnswer(), () => undefined) as PiecewiseBody;
    const sink = recordingSink('fail-second');
    body.writeTo(sink);
    await sink.finished;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sink.ended, false);
    assert.ok(sink.chunks.length <= 3);
  });

  it('answers small GetRecords as one Buffer, and encodeBody joins the pieces of large ones', () => {
    let written = 0;
    const small = getRecordsJsonBody({ Records: [sampleRecord()], MillisBehindLatest: 0 }, () => written++);
    assert.ok(Buffer.isBuffer(small));
    assert.equal(written, 1);
    const output = largeAnswer();
    const marked = withJsonWriter({ ...output }, (value) => getRecordsJsonBody(value, () => undefined));
    assert.ok(encodeAnswer(marked, 'json') instanceof PiecewiseBody);
    const again = withJsonWriter({ ...output }, (value) => getRecordsJsonBody(value, () => undefined));
    assert.deepEqual(encodeBody(again, 'json'), genericJson(output));
  });

  it('is written once', () => {
    const body = getRecordsJsonBody(largeAnswer(), () => undefined) as PiecewiseBody;
    body.toBuffer();
    assert.throws(() => body.toBuffer(), /written once/);
  });
});
