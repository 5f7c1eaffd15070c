import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { _Record } from '@aws-sdk/client-kinesis';
import { effectiveHashKey, encodeAggregate, type UserRecord } from '../aggregation/index.js';
import { toConsumerRecords } from './records.js';

const half = 1n << 127n;
const lowerRange = { startingHashKey: 0n, endingHashKey: half - 1n };
const arrival = new Date(1_700_000_000_000);

function kinesisRecord(sequenceNumber: string, partitionKey: string, data: Uint8Array): _Record {
  return {
    SequenceNumber: sequenceNumber,
    PartitionKey: partitionKey,
    Data: data,
    ApproximateArrivalTimestamp: arrival,
  };
}

const users = Array.from(
  { length: 40 },
  (_, index): UserRecord => ({ partitionKey: `p-${index}`, data: Buffer.from(`d-${index}`) }),
);
const lower = users.filter((user) => effectiveHashKey(user) < half);
const upper = users.filter((user) => effectiveHashKey(user) >= half);

describe('toConsumerRecords', () => {
  test('a plain record is one record with sub-sequence number 0, never filtered by hash key', () => {
    const records = toConsumerRecords(
      'shard-a',
      [kinesisRecord('100', upper[0]?.partitionKey ?? '', Buffer.from('x'))],
      lowerRange,
      undefined,
    );
    assert.equal(
      records.length,
      1,
      'GetRecords does not return a plain record’s explicit hash key: it cannot be judged',
    );
    assert.deepEqual(
      { ...records[0], data: Buffer.from(records[0]?.data ?? []).toString() },
      {
        shardId: 'shard-a',
        sequenceNumber: '100',
        subSequenceNumber: 0,
        partitionKey: upper[0]?.partitionKey,
        data: 'x',
        approximateArrivalTimestamp: arrival,
        aggregated: false,
      },
    );
  });

  test('an aggregate opens into its user records when all of them route to the shard', () => {
    const aggregate = encodeAggregate([lower[0], lower[1]] as UserRecord[]);
    const records = toConsumerRecords(
      'shard-a',
      [kinesisRecord('7', aggregate.partitionKey, aggregate.data)],
      lowerRange,
      undefined,
    );
    assert.deepEqual(
      records.map((record) => [record.subSequenceNumber, record.partitionKey, record.aggregated]),
      [
        [0, lower[0]?.partitionKey, true],
        [1, lower[1]?.partitionKey, true],
      ],
    );
  });

  test('an aggregate holding a record routed outside the shard is dropped whole, as KCL drops it', () => {
    const mixed = encodeAggregate([lower[0], upper[0], lower[1]] as UserRecord[]);
    const clean = encodeAggregate([lower[2]] as UserRecord[]);
    const records = toConsumerRecords(
      'shard-a',
      [
        kinesisRecord('7', mixed.partitionKey, mixed.data),
        kinesisRecord('8', clean.partitionKey, clean.data),
        kinesisRecord('9', upper[1]?.partitionKey ?? '', Buffer.from('plain records are never filtered')),
      ],
      lowerRange,
      undefined,
    );
    assert.deepEqual(
      records.map((record) => [record.sequenceNumber, record.subSequenceNumber, record.partitionKey]),
      [
        ['8', 0, lower[2]?.partitionKey],
        ['9', 0, upper[1]?.partitionKey],
      ],
    );
  });

  test('without a known range nothing is dropped', () => {
    const aggregate = encodeAggregate([lower[0], upper[0]] as UserRecord[]);
    assert.equal(
      toConsumerRecords('s', [kinesisRecord('7', aggregate.partitionKey, aggregate.data)], undefined, undefined).length,
      2,
    );
  });

  test('records up to and including `after` are skipped, inside an aggregate too', () => {
    const aggregate = encodeAggregate(lower.slice(0, 4));
    const batch = [
      kinesisRecord('5', 'k', Buffer.from('five')),
      kinesisRecord('9', aggregate.partitionKey, aggregate.data),
      kinesisRecord('12', 'k', Buffer.from('twelve')),
    ];
    const records = toConsumerRecords('s', batch, lowerRange, { sequenceNumber: 9n, subSequenceNumber: 1 });
    assert.deepEqual(
      records.map((record) => `${record.sequenceNumber}/${record.subSequenceNumber}`),
      ['9/2', '9/3', '12/0'],
    );
  });

  test('sequence numbers compare as numbers, not text', () => {
    const records = toConsumerRecords('s', [kinesisRecord('10', 'k', Buffer.from('x'))], undefined, {
      sequenceNumber: 9n,
      subSequenceNumber: 0,
    });
    assert.equal(records.length, 1);
  });
});
