import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coralEnumOrder, coralMemberOrder, javaStringHash } from './coral-order.js';

// Expected orders are AWS's answers as kinesalite recorded them (mhart/kinesalite test/*.js).
describe('Coral ordering', () => {
  test('javaStringHash equals java.lang.String#hashCode', () => {
    assert.equal(javaStringHash(''), 0);
    assert.equal(javaStringHash('a'), 97);
    // "hello".hashCode() == 99162322; "polygenelubricants".hashCode() == Integer.MIN_VALUE.
    assert.equal(javaStringHash('hello'), 99162322);
    assert.equal(javaStringHash('polygenelubricants'), 2 ** 31);
  });

  test('orders the members of every recorded input shape like AWS', () => {
    const recorded: Array<[string[], string[]]> = [
      [
        ['StreamName', 'ShardCount'],
        ['ShardCount', 'StreamName'],
      ],
      [
        ['StreamName', 'Limit', 'ExclusiveStartShardId'],
        ['Limit', 'ExclusiveStartShardId', 'StreamName'],
      ],
      [
        ['Limit', 'ExclusiveStartStreamName'],
        ['Limit', 'ExclusiveStartStreamName'],
      ],
      [
        ['ShardIterator', 'Limit'],
        ['Limit', 'ShardIterator'],
      ],
      [
        ['Records', 'StreamName'],
        ['Records', 'StreamName'],
      ],
      [
        ['Data', 'ExplicitHashKey', 'PartitionKey'],
        ['PartitionKey', 'ExplicitHashKey', 'Data'],
      ],
      [
        ['StreamName', 'ExclusiveStartTagKey', 'Limit'],
        ['Limit', 'ExclusiveStartTagKey', 'StreamName'],
      ],
      [
        ['StreamName', 'RetentionPeriodHours'],
        ['RetentionPeriodHours', 'StreamName'],
      ],
      [
        ['StreamName', 'ShardId', 'ShardIteratorType', 'StartingSequenceNumber'],
        ['ShardId', 'ShardIteratorType', 'StartingSequenceNumber', 'StreamName'],
      ],
    ];
    for (const [modelOrder, awsOrder] of recorded) assert.deepEqual(coralMemberOrder(modelOrder), awsOrder);
  });

  test('orders enum values like AWS', () => {
    assert.deepEqual(
      coralEnumOrder(['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP']),
      ['AFTER_SEQUENCE_NUMBER', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'TRIM_HORIZON'],
    );
    assert.deepEqual(coralEnumOrder(['AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON', 'LATEST']), [
      'AFTER_SEQUENCE_NUMBER',
      'LATEST',
      'AT_SEQUENCE_NUMBER',
      'TRIM_HORIZON',
    ]);
  });
});
