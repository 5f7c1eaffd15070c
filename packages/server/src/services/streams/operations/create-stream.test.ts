import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createStreamJson,
  expectEmptySuccess,
  expectError,
  expectSuccess,
  expectValidation,
  expectWrongTypes,
  violation,
} from '../../../testing/kinesis-json.js';
import { type ServerProcess, startServerProcess } from '../../../testing/server-process.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ inMemory: true });
  await createStreamJson(server.url, 'existing', 1);
});
after(async () => {
  await server.stop();
});

interface ShardShape {
  ShardId: string;
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
  SequenceNumberRange: { StartingSequenceNumber: string };
}

async function describedShards(name: string): Promise<ShardShape[]> {
  const answer = await expectSuccess(server.url, 'DescribeStream', { StreamName: name });
  return (answer.StreamDescription as { Shards: ShardShape[] }).Shards;
}

describe('CreateStream serialization', () => {
  test('rejects a StreamName that is not a string', () =>
    expectWrongTypes(server.url, 'CreateStream', (value) => ({ StreamName: value, ShardCount: 1 }), 'String'));
  test('rejects a ShardCount that is not an integer', () =>
    expectWrongTypes(server.url, 'CreateStream', (value) => ({ StreamName: 'a', ShardCount: value }), 'Integer'));
  test('rejects StreamModeDetails that is not a structure', () =>
    expectWrongTypes(
      server.url,
      'CreateStream',
      (value) => ({ StreamName: 'a', StreamModeDetails: value }),
      'Structure',
    ));
  test('rejects a StreamMode that is not a string', () =>
    expectWrongTypes(
      server.url,
      'CreateStream',
      (value) => ({ StreamName: 'a', StreamModeDetails: { StreamMode: value } }),
      'String',
    ));
  test('rejects Tags that are not a map', () =>
    expectWrongTypes(server.url, 'CreateStream', (value) => ({ StreamName: 'a', ShardCount: 1, Tags: value }), 'Map'));
  test('rejects a tag value that is not a string', () =>
    expectWrongTypes(
      server.url,
      'CreateStream',
      (value) => ({ StreamName: 'a', ShardCount: 1, Tags: { a: value } }),
      'String',
    ));
  test('rejects a MaxRecordSizeInKiB that is not an integer', () =>
    expectWrongTypes(
      server.url,
      'CreateStream',
      (value) => ({ StreamName: 'a', ShardCount: 1, MaxRecordSizeInKiB: value }),
      'Integer',
    ));
});

describe('CreateStream validation', () => {
  test('requires a StreamName', () =>
    expectValidation(server.url, 'CreateStream', {}, [violation(null, 'streamName', 'Member must not be null')]));
  test('lists a ShardCount below 1 before an empty StreamName, as AWS does', () =>
    expectValidation(server.url, 'CreateStream', { StreamName: '', ShardCount: 0 }, [
      violation('0', 'shardCount', 'Member must have value greater than or equal to 1'),
      violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
      violation('', 'streamName', 'Member must have length greater than or equal to 1'),
    ]));
  test('limits StreamName to 128 characters and truncates a huge ShardCount without complaint', () =>
    expectValidation(server.url, 'CreateStream', { StreamName: 'a'.repeat(129), ShardCount: 100000000000 }, [
      violation('a'.repeat(129), 'streamName', 'Member must have length less than or equal to 128'),
    ]));
  test('checks StreamName against its pattern', () =>
    expectValidation(server.url, 'CreateStream', { StreamName: 'bad name!', ShardCount: 1 }, [
      violation('bad name!', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
    ]));
  test('requires StreamMode inside StreamModeDetails and lists its enum', async () => {
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', StreamModeDetails: {} }, [
      violation(null, 'streamModeDetails.streamMode', 'Member must not be null'),
    ]);
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', StreamModeDetails: { StreamMode: 'X' } }, [
      violation('X', 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]'),
    ]);
  });
  test('checks the tag map size, key length and value length', async () => {
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, Tags: {} }, [
      violation('{}', 'tags', 'Member must have length greater than or equal to 1'),
    ]);
    const longKey = 'k'.repeat(129);
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, Tags: { [longKey]: 'v' } }, [
      violation(
        `{${longKey}=v}`,
        'tags',
        'Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]',
      ),
    ]);
    const longValue = 'v'.repeat(257);
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, Tags: { k: longValue } }, [
      violation(
        `{k=${longValue}}`,
        'tags',
        'Map value must satisfy constraint: [Member must have length less than or equal to 256, Member must have length greater than or equal to 0]',
      ),
    ]);
  });
  test('bounds MaxRecordSizeInKiB to 1024…10240 and WarmThroughputMiBps to at least 0', async () => {
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, MaxRecordSizeInKiB: 1023 }, [
      violation('1023', 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024'),
    ]);
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, MaxRecordSizeInKiB: 10241 }, [
      violation('10241', 'maxRecordSizeInKiB', 'Member must have value less than or equal to 10240'),
    ]);
    await expectValidation(server.url, 'CreateStream', { StreamName: 'a', ShardCount: 1, WarmThroughputMiBps: -1 }, [
      violation('-1', 'warmThroughputMiBps', 'Member must have value greater than or equal to 0'),
    ]);
  });
  test('lists every violation in AWS member order', () =>
    expectValidation(
      server.url,
      'CreateStream',
      {
        StreamName: '',
        ShardCount: 0,
        StreamModeDetails: { StreamMode: 'X' },
        Tags: {},
        WarmThroughputMiBps: -1,
        MaxRecordSizeInKiB: 1,
      },
      [
        violation('1', 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024'),
        violation('{}', 'tags', 'Member must have length greater than or equal to 1'),
        violation('X', 'streamModeDetails.streamMode', 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]'),
        violation('0', 'shardCount', 'Member must have value greater than or equal to 1'),
        violation('-1', 'warmThroughputMiBps', 'Member must have value greater than or equal to 0'),
        violation('', 'streamName', 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
        violation('', 'streamName', 'Member must have length greater than or equal to 1'),
      ],
    ));
});

describe('CreateStream behaviour', () => {
  test('answers with an empty body', () =>
    expectEmptySuccess(server.url, 'CreateStream', { StreamName: 'empty-answer', ShardCount: 1 }));
  test('tiles the hash-key space over three shards like AWS', async () => {
    await createStreamJson(server.url, 'three', 3);
    const shards = await describedShards('three');
    assert.deepEqual(
      shards.map((shard) => [shard.ShardId, shard.HashKeyRange.StartingHashKey, shard.HashKeyRange.EndingHashKey]),
      [
        ['shardId-000000000000', '0', '113427455640312821154458202477256070484'],
        ['shardId-000000000001', '113427455640312821154458202477256070485', '226854911280625642308916404954512140969'],
        ['shardId-000000000002', '226854911280625642308916404954512140970', '340282366920938463463374607431768211455'],
      ],
    );
  });
  test('gives every shard a 56-digit StartingSequenceNumber that grows with the shard index', async () => {
    const starts = (await describedShards('three')).map((shard) => shard.SequenceNumberRange.StartingSequenceNumber);
    for (const start of starts) assert.match(start, /^\d{56}$/);
    assert.ok(BigInt(starts[0] ?? '') < BigInt(starts[1] ?? ''));
    assert.ok(BigInt(starts[1] ?? '') < BigInt(starts[2] ?? ''));
  });
  test('gives the last shard the remainder when the space does not divide evenly', async () => {
    await createStreamJson(server.url, 'seven', 7);
    const shards = await describedShards('seven');
    assert.equal(shards.length, 7);
    assert.equal(shards[0]?.HashKeyRange.StartingHashKey, '0');
    for (let index = 1; index < shards.length; index++) {
      assert.equal(
        BigInt(shards[index]?.HashKeyRange.StartingHashKey ?? ''),
        BigInt(shards[index - 1]?.HashKeyRange.EndingHashKey ?? '') + 1n,
      );
    }
    assert.equal(shards[6]?.HashKeyRange.EndingHashKey, ((1n << 128n) - 1n).toString());
  });
  test('creates a PROVISIONED stream with 24 hours retention and the tags given', async () => {
    const before = Date.now();
    await expectEmptySuccess(server.url, 'CreateStream', { StreamName: 'tagged', ShardCount: 2, Tags: { team: 'a' } });
    const summary = (await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'tagged' }))
      .StreamDescriptionSummary as Record<string, unknown>;
    assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'PROVISIONED' });
    assert.equal(summary.RetentionPeriodHours, 24);
    assert.equal(summary.OpenShardCount, 2);
    const created = (summary.StreamCreationTimestamp as number) * 1000;
    assert.ok(created >= before - 1000 && created <= Date.now() + 1000, `created at ${created}`);
    const tags = await expectSuccess(server.url, 'ListTagsForStream', { StreamName: 'tagged' });
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'a' }]);
  });
  test('creates an ON_DEMAND stream with 4 shards when asked for that mode', async () => {
    await expectEmptySuccess(server.url, 'CreateStream', {
      StreamName: 'on-demand',
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    });
    const summary = (await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'on-demand' }))
      .StreamDescriptionSummary as Record<string, unknown>;
    assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    assert.equal(summary.OpenShardCount, 4);
  });
  test('refuses a ShardCount for an ON_DEMAND stream', () =>
    expectError(
      server.url,
      'CreateStream',
      { StreamName: 'od-count', ShardCount: 2, StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      'InvalidArgumentException',
      'ShardCount must not be specified for ON_DEMAND streams.',
    ));
  test('requires a ShardCount for a PROVISIONED stream', () =>
    expectError(
      server.url,
      'CreateStream',
      { StreamName: 'prov-no-count', StreamModeDetails: { StreamMode: 'PROVISIONED' } },
      'InvalidArgumentException',
      'ShardCount is required for PROVISIONED streams.',
    ));
  test('keeps the MaxRecordSizeInKiB asked for', async () => {
    await expectEmptySuccess(server.url, 'CreateStream', {
      StreamName: 'big-records',
      ShardCount: 1,
      MaxRecordSizeInKiB: 2048,
    });
    const summary = (await expectSuccess(server.url, 'DescribeStreamSummary', { StreamName: 'big-records' }))
      .StreamDescriptionSummary as Record<string, unknown>;
    assert.equal(summary.MaxRecordSizeInKiB, 2048);
  });
  test('answers ResourceInUseException for a name already taken', () =>
    expectError(
      server.url,
      'CreateStream',
      { StreamName: 'existing', ShardCount: 1 },
      'ResourceInUseException',
      'Stream existing under account 000000000000 already exists.',
    ));
  test('refuses tags with characters AWS does not allow', () =>
    expectError(
      server.url,
      'CreateStream',
      { StreamName: 'bad-tags', ShardCount: 1, Tags: { 'a;b': 'c' } },
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    ));
  test('refuses more than 50 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v']));
    return expectError(
      server.url,
      'CreateStream',
      { StreamName: 'many-tags', ShardCount: 1, Tags: tags },
      'InvalidArgumentException',
      'Failed to add tags to stream many-tags under account 000000000000 because a given stream cannot have ' +
        'more than 50 tags associated with it.',
    );
  });
});

describe('CreateStream behaviour against the account shard limit', () => {
  let limited: ServerProcess;
  before(async () => {
    limited = await startServerProcess({ inMemory: true, args: ['--shard-limit', '10'] });
    await createStreamJson(limited.url, 'first', 3);
  });
  after(async () => {
    await limited.stop();
  });

  test('answers LimitExceededException with the current count, the limit and the shards asked for', () =>
    expectError(
      limited.url,
      'CreateStream',
      { StreamName: 'second', ShardCount: 1000 },
      'LimitExceededException',
      'This request would exceed the shard limit for the account 000000000000 in us-east-1. ' +
        'Current shard count for the account: 3. Limit: 10. ' +
        'Number of additional shards that would have resulted from this request: 1000. ' +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    ));
  test('accepts a stream that fills the limit exactly', () =>
    expectEmptySuccess(limited.url, 'CreateStream', { StreamName: 'fills', ShardCount: 7 }));
});

describe('CreateStream behaviour while a stream is CREATING', () => {
  let slow: ServerProcess;
  before(async () => {
    slow = await startServerProcess({ inMemory: true, args: ['--create-stream-ms', '60000'] });
    await expectEmptySuccess(slow.url, 'CreateStream', { StreamName: 'creating', ShardCount: 3 });
  });
  after(async () => {
    await slow.stop();
  });

  test('shows the stream as CREATING with no shards yet', async () => {
    const answer = await expectSuccess(slow.url, 'DescribeStream', { StreamName: 'creating' });
    const description = answer.StreamDescription as Record<string, unknown>;
    assert.equal(description.StreamStatus, 'CREATING');
    assert.deepEqual(description.Shards, []);
    assert.equal(description.HasMoreShards, false);
  });
  test('answers ResourceInUseException for the same name again', () =>
    expectError(
      slow.url,
      'CreateStream',
      { StreamName: 'creating', ShardCount: 1 },
      'ResourceInUseException',
      'Stream creating under account 000000000000 already exists.',
    ));
});
