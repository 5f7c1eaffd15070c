import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  Aggregator,
  deaggregate,
  effectiveHashKey,
  encodeAggregate,
  hashKeyMax,
  InvalidHashKeyError,
  isAggregated,
  kinesisRecordSizeBytes,
  kplMagic,
  type UserRecord,
} from './index.js';
import { ProtobufError, ProtobufReader, ProtobufWriter } from './protobuf.js';

const seed = 20261126;
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const userRecordArbitrary: fc.Arbitrary<UserRecord> = fc.record(
  {
    partitionKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
    explicitHashKey: fc.option(
      fc.bigInt({ min: 0n, max: hashKeyMax }).map((value) => value.toString()),
      { nil: undefined },
    ),
    data: fc.uint8Array({ maxLength: 300 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);
/** Few distinct keys, so the tables deduplicate. */
const recordsArbitrary = fc.array(
  fc.oneof(
    userRecordArbitrary,
    fc.record({ partitionKey: fc.constantFrom('a', 'b', 'ü'), data: fc.uint8Array({ maxLength: 20 }) }),
  ),
  { minLength: 1, maxLength: 60 },
);

function plainFields(record: UserRecord) {
  return {
    partitionKey: record.partitionKey,
    explicitHashKey: record.explicitHashKey,
    data: Buffer.from(record.data).toString('hex'),
  };
}

/** Builds magic | message | MD5 around hand-written protobuf bytes. */
function wrap(message: Uint8Array): Uint8Array {
  return Buffer.concat([kplMagic, message, createHash('md5').update(message).digest()]);
}

function writeMessage(sizeBytes: number, write: (writer: ProtobufWriter) => void): Uint8Array {
  const buffer = new Uint8Array(sizeBytes);
  const writer = new ProtobufWriter(buffer);
  write(writer);
  return buffer.subarray(0, writer.offset);
}

function assertPlain(data: Uint8Array, explicitHashKey?: string): void {
  const records = deaggregate(data, 'outer-key', explicitHashKey);
  assert.equal(records.length, 1);
  const [record] = records;
  assert.equal(record?.aggregated, false);
  assert.equal(record?.subSequenceNumber, 0);
  assert.equal(record?.partitionKey, 'outer-key');
  assert.equal(record?.explicitHashKey, explicitHashKey);
  assert.deepEqual(record?.data, data);
}

describe('KPL aggregation format', () => {
  test('encodeAggregate then deaggregate gives back every record, keys and data byte-exact, in order', () => {
    fc.assert(
      fc.property(recordsArbitrary, (records) => {
        const aggregate = encodeAggregate(records);
        assert.ok(isAggregated(aggregate.data));
        const back = deaggregate(aggregate.data, aggregate.partitionKey, aggregate.explicitHashKey);
        assert.deepEqual(back.map(plainFields), records.map(plainFields));
        assert.deepEqual(
          back.map((record) => [record.subSequenceNumber, record.aggregated]),
          records.map((_, index) => [index, true]),
        );
      }),
      { seed, numRuns: 200 },
    );
  });

  test('the aggregate is keyed to land on the shard of its first record', () => {
    const first = { partitionKey: 'first', data: bytes('x') };
    const aggregate = encodeAggregate([first, { partitionKey: 'second', explicitHashKey: '5', data: bytes('y') }]);
    assert.equal(aggregate.partitionKey, 'first');
    assert.equal(aggregate.explicitHashKey, effectiveHashKey(first).toString());
    const withKey = encodeAggregate([{ partitionKey: 'p', explicitHashKey: '12345', data: bytes('') }]);
    assert.equal(withKey.explicitHashKey, '12345');
  });

  test('the Aggregator accounts sizes exactly: sizeBytes equals the encoded data plus the outer partition key', () => {
    fc.assert(
      fc.property(recordsArbitrary, (records) => {
        const aggregator = new Aggregator();
        for (const record of records) assert.ok(aggregator.add(record));
        assert.equal(aggregator.count, records.length);
        const expectedSizeBytes = kinesisRecordSizeBytes(encodeAggregate(records));
        if (records.length > 1) assert.equal(aggregator.sizeBytes, expectedSizeBytes);
        const taken = aggregator.take();
        assert.ok(taken);
        assert.equal(aggregator.count, 0);
        assert.equal(aggregator.sizeBytes, 0);
        const back = deaggregate(taken.data, taken.partitionKey, taken.explicitHashKey);
        assert.deepEqual(back.map(plainFields), records.map(plainFields));
        if (records.length > 1) assert.deepEqual(taken.data, encodeAggregate(records).data);
      }),
      { seed, numRuns: 150 },
    );
  });

  test('an Aggregator fills up to maxBytes exactly and refuses the record that would exceed it', () => {
    const maxBytes = 4096;
    const aggregator = new Aggregator({ maxBytes });
    let index = 0;
    const next = (): UserRecord => ({
      partitionKey: `key-${index % 7}`,
      data: new Uint8Array(100 + (index % 13)).fill(index),
    });
    for (; aggregator.add(next()); index++);
    const sizeBefore = aggregator.sizeBytes;
    assert.ok(sizeBefore <= maxBytes && sizeBefore > maxBytes - 200, `filled to ${sizeBefore}`);
    const taken = aggregator.take();
    assert.ok(taken);
    assert.equal(kinesisRecordSizeBytes(taken), sizeBefore);
    assert.equal(taken.userRecords.length, index);
    // The refused record did not change anything, and fits into the next aggregate.
    assert.ok(aggregator.add(next()));
  });

  test('a record too big to aggregate is refused by an empty Aggregator; a lone record comes out plain', () => {
    const aggregator = new Aggregator();
    const big = { partitionKey: 'k', data: new Uint8Array(1_048_575) }; // fits plain (1 MiB), not wrapped
    assert.equal(aggregator.add(big), false);
    assert.equal(aggregator.count, 0);
    assert.equal(aggregator.take(), undefined);
    const lone = { partitionKey: 'k', explicitHashKey: '7', data: bytes('alone') };
    assert.ok(aggregator.add(lone));
    const taken = aggregator.take();
    assert.equal(taken?.aggregated, false);
    assert.equal(taken?.data, lone.data);
    assert.equal(taken?.explicitHashKey, '7');
  });

  test('a 1 MiB aggregate of many records never exceeds the record limit', () => {
    const aggregator = new Aggregator();
    let count = 0;
    while (aggregator.add({ partitionKey: `partition-${count}`, data: new Uint8Array(1000) })) count++;
    const taken = aggregator.take();
    assert.ok(taken);
    assert.ok(kinesisRecordSizeBytes(taken) <= 1_048_576);
    assert.ok(kinesisRecordSizeBytes(taken) > 1_048_576 - 1100);
    assert.equal(deaggregate(taken.data, taken.partitionKey).length, count);
  });

  test('effectiveHashKey is the explicit hash key, or MD5 of the partition key as a big-endian integer', () => {
    assert.equal(effectiveHashKey({ partitionKey: '', data: bytes('') }), 0xd41d8cd98f00b204e9800998ecf8427en);
    assert.equal(effectiveHashKey({ partitionKey: 'x', explicitHashKey: '42', data: bytes('') }), 42n);
    assert.equal(
      effectiveHashKey({ partitionKey: 'x', explicitHashKey: hashKeyMax.toString(), data: bytes('') }),
      hashKeyMax,
    );
    for (const invalid of ['', '-1', '01', '1e3', (hashKeyMax + 1n).toString()])
      assert.throws(
        () => effectiveHashKey({ partitionKey: 'x', explicitHashKey: invalid, data: bytes('') }),
        InvalidHashKeyError,
      );
  });
});

describe('data that is not a valid aggregate is one plain record', () => {
  const valid = encodeAggregate([
    { partitionKey: 'a', data: bytes('one') },
    { partitionKey: 'b', data: bytes('two') },
  ]).data;

  test('without the magic', () => {
    assertPlain(bytes('just some ordinary data, long enough to hold a digest'));
    const noMagic = Uint8Array.from(valid);
    noMagic[0] = 0xf4;
    assertPlain(noMagic, '99');
  });

  test('too short to hold magic and digest', () => {
    assertPlain(kplMagic);
    assertPlain(valid.subarray(0, 19));
    assertPlain(new Uint8Array(0));
  });

  test('with an MD5 that does not match', () => {
    for (const position of [5, valid.length - 1]) {
      const flipped = Uint8Array.from(valid);
      flipped[position] = (flipped[position] ?? 0) ^ 0x01;
      assert.equal(isAggregated(flipped), false);
      assertPlain(flipped);
    }
  });

  test('with a truncated protobuf message (digest recomputed, so only the parser can catch it)', () => {
    const message = valid.subarray(4, valid.length - 16);
    // Two table entries of 3 bytes, then two Record fields of 9 bytes: a cut at a field boundary is
    // a valid, shorter aggregate (with this many records); any other cut is plain data.
    assert.equal(message.length, 24);
    const recordsAtBoundary = new Map([
      [3, 0],
      [6, 0],
      [15, 1],
    ]);
    for (let length = 1; length < message.length; length++) {
      const truncated = wrap(message.subarray(0, length));
      const expected = recordsAtBoundary.get(length);
      if (expected === undefined) assertPlain(truncated);
      else assert.equal(deaggregate(truncated, 'outer-key').length, expected, `cut at ${length}`);
    }
  });

  test('with a missing required field or a table index out of range', () => {
    const missingData = writeMessage(64, (writer) => {
      writer.stringField(1, 'k');
      writer.bytesField(
        3,
        writeMessage(8, (record) => record.varintField(1, 0)),
      );
    });
    assertPlain(wrap(missingData));
    const missingKeyIndex = writeMessage(64, (writer) => {
      writer.stringField(1, 'k');
      writer.bytesField(
        3,
        writeMessage(8, (record) => record.bytesField(3, bytes('d'))),
      );
    });
    assertPlain(wrap(missingKeyIndex));
    const outOfRange = writeMessage(64, (writer) => {
      writer.stringField(1, 'k');
      writer.bytesField(
        3,
        writeMessage(16, (record) => {
          record.varintField(1, 1);
          record.bytesField(3, bytes('d'));
        }),
      );
    });
    assertPlain(wrap(outOfRange));
    const hashKeyOutOfRange = writeMessage(64, (writer) => {
      writer.stringField(1, 'k');
      writer.bytesField(
        3,
        writeMessage(16, (record) => {
          record.varintField(1, 0);
          record.varintField(2, 0);
          record.bytesField(3, bytes('d'));
        }),
      );
    });
    assertPlain(wrap(hashKeyOutOfRange));
  });

  test('with a known field of the wrong wire type', () => {
    const wrongType = writeMessage(16, (writer) => writer.varintField(1, 3));
    assertPlain(wrap(wrongType));
  });
});

describe('unknown fields', () => {
  /** Unknown fields of every wire type: varint (a full 10-byte one), fixed64, bytes, group, fixed32. */
  function unknownFields(writer: ProtobufWriter): void {
    writer.tag(20, 0);
    writer.raw(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    writer.tag(21, 1);
    writer.raw(new Uint8Array(8).fill(7));
    writer.bytesField(22, bytes('future'));
    writer.tag(23, 3);
    writer.varintField(1, 5);
    writer.tag(24, 3); // a nested group
    writer.tag(24, 4);
    writer.tag(23, 4);
    writer.tag(25, 5);
    writer.raw(new Uint8Array(4).fill(9));
  }

  test('are skipped at the top level and inside records, and tags are ignored', () => {
    const message = writeMessage(256, (writer) => {
      unknownFields(writer);
      writer.stringField(1, 'key');
      writer.stringField(2, '123');
      writer.bytesField(
        3,
        writeMessage(128, (record) => {
          unknownFields(record);
          record.varintField(1, 0);
          record.varintField(2, 0);
          record.bytesField(
            4,
            writeMessage(32, (tag) => {
              tag.stringField(1, 'tag-key');
              tag.stringField(2, 'tag-value');
            }),
          );
          record.bytesField(3, bytes('payload'));
        }),
      );
      unknownFields(writer);
    });
    const records = deaggregate(wrap(message), 'outer');
    assert.deepEqual(
      records.map((record) => ({ ...record, data: Buffer.from(record.data).toString() })),
      [{ partitionKey: 'key', explicitHashKey: '123', data: 'payload', subSequenceNumber: 0, aggregated: true }],
    );
  });

  test('an unclosed or mismatched group, or wire type 6/7, makes the data plain', () => {
    for (const broken of [
      Uint8Array.of((23 << 3) | 3),
      Uint8Array.of((23 << 3) | 3, (24 << 3) | 4),
      Uint8Array.of((23 << 3) | 4),
      Uint8Array.of((23 << 3) | 6),
      Uint8Array.of((23 << 3) | 7, 0),
    ])
      assertPlain(wrap(broken));
  });
});

describe('protobuf varints', () => {
  test('read 64-bit values exactly and reject overlong or over-wide encodings', () => {
    const max = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    assert.equal(new ProtobufReader(max).varintBigInt(), (1n << 64n) - 1n);
    assert.equal(new ProtobufReader(max).varint(), Number.POSITIVE_INFINITY);
    const tooWide = Uint8Array.from(max);
    tooWide[9] = 0x02;
    assert.throws(() => new ProtobufReader(tooWide).varintBigInt(), ProtobufError);
    assert.throws(() => new ProtobufReader(new Uint8Array(11).fill(0x80)).varint(), ProtobufError);
    assert.throws(() => new ProtobufReader(Uint8Array.of(0x80)).varint(), ProtobufError);
  });

  test('round-trip every safe integer size', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => {
        const buffer = new Uint8Array(10);
        const writer = new ProtobufWriter(buffer);
        writer.varint(value);
        const reader = new ProtobufReader(buffer, 0, writer.offset);
        assert.equal(reader.varint(), value);
        assert.ok(reader.done);
      }),
      { seed, numRuns: 300 },
    );
  });
});
