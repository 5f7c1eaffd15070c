/** Acceptance: the core flow through the AWS CLI v2 (Debian's awscli, /usr/bin/aws). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { awsCliPath, awsToolEnvironment, requireAwsCli } from '../testing/interop.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

const run = promisify(execFile);
const cli = requireAwsCli();

describe('AWS CLI v2', { skip: cli.skip }, () => {
  let server: ServerProcess;
  const aws = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await run(awsCliPath, ['--endpoint-url', server.url, '--output', 'json', 'kinesis', ...args], {
      env: awsToolEnvironment(),
      timeout: 60_000,
    });
    return stdout.trim() === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>);
  };
  const awsFails = async (...args: string[]): Promise<string> => {
    try {
      await aws(...args);
    } catch (error) {
      return (error as { stderr: string }).stderr;
    }
    throw new Error(`aws ${args.join(' ')} succeeded but should have failed`);
  };

  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server.stop();
  });

  test('creates a stream, puts records, reads them back, tags, and deletes', async () => {
    await aws('create-stream', '--stream-name', 'cli-flow', '--shard-count', '2');
    await aws('wait', 'stream-exists', '--stream-name', 'cli-flow');
    const records = Array.from({ length: 20 }, (_, index) => ({
      PartitionKey: `key-${index}`,
      Data: Buffer.from(`record ${index}`).toString('base64'),
    }));
    const put = (await aws('put-records', '--stream-name', 'cli-flow', '--records', JSON.stringify(records))) as {
      FailedRecordCount: number;
      Records: Array<{ ShardId: string; SequenceNumber: string }>;
    };
    assert.equal(put.FailedRecordCount, 0);

    const received: string[] = [];
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const iterator = (await aws(
        'get-shard-iterator',
        '--stream-name',
        'cli-flow',
        '--shard-id',
        shardId,
        '--shard-iterator-type',
        'TRIM_HORIZON',
      )) as { ShardIterator: string };
      const page = (await aws('get-records', '--shard-iterator', iterator.ShardIterator)) as {
        Records: Array<{ Data: string; PartitionKey: string; SequenceNumber: string }>;
      };
      for (const record of page.Records) {
        const expected = put.Records[Number(record.PartitionKey.slice(4))];
        assert.equal(expected?.ShardId, shardId);
        assert.equal(expected?.SequenceNumber, record.SequenceNumber);
        received.push(Buffer.from(record.Data, 'base64').toString());
      }
    }
    assert.deepEqual(received.sort(), records.map((_, index) => `record ${index}`).sort());

    const summary = (await aws('describe-stream-summary', '--stream-name', 'cli-flow')) as {
      StreamDescriptionSummary: { StreamARN: string; OpenShardCount: number; StreamStatus: string };
    };
    assert.equal(summary.StreamDescriptionSummary.OpenShardCount, 2);
    assert.equal(summary.StreamDescriptionSummary.StreamStatus, 'ACTIVE');

    await aws('add-tags-to-stream', '--stream-name', 'cli-flow', '--tags', 'owner=cli');
    const tags = (await aws('list-tags-for-stream', '--stream-name', 'cli-flow')) as { Tags: unknown[] };
    assert.deepEqual(tags.Tags, [{ Key: 'owner', Value: 'cli' }]);

    const listed = (await aws('list-streams')) as { StreamNames: string[] };
    assert.deepEqual(listed.StreamNames, ['cli-flow']);

    await aws('delete-stream', '--stream-name', 'cli-flow');
    await aws('wait', 'stream-not-exists', '--stream-name', 'cli-flow');
    const missing = await awsFails('describe-stream', '--stream-name', 'cli-flow');
    assert.match(missing, /ResourceNotFoundException/);
    assert.match(missing, /Stream cli-flow under account 000000000000 not found\./);
  });

  test('reports validation errors with AWS wording', async () => {
    const message = await awsFails('create-stream', '--stream-name', 'bad name!', '--shard-count', '1');
    assert.match(message, /ValidationException/);
    assert.match(
      message,
      /Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[a-zA-Z0-9_.-\]\+/,
    );
  });
});
