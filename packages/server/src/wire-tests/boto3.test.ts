/** Acceptance: the core flow through boto3 (Debian's python3-boto3 on /usr/bin/python3). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { awsToolEnvironment, debianPythonPath, requireBoto3 } from '../testing/interop.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';

const run = promisify(execFile);
const boto3 = requireBoto3();

// The script prints one JSON document with what it observed; the assertions live here.
const script = `
import base64, json, sys
import boto3
from botocore.exceptions import ClientError
client = boto3.client('kinesis', endpoint_url=sys.argv[1])
out = {}
client.create_stream(StreamName='boto-flow', ShardCount=3)
client.get_waiter('stream_exists').wait(StreamName='boto-flow', WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
entries = [{'PartitionKey': 'pk-%d' % i, 'Data': ('boto %d' % i).encode() * 10} for i in range(300)]
put = client.put_records(StreamName='boto-flow', Records=entries)
out['failed'] = put['FailedRecordCount']
out['put'] = [[r['ShardId'], r['SequenceNumber']] for r in put['Records']]
shards = client.list_shards(StreamName='boto-flow')['Shards']
out['shards'] = [s['ShardId'] for s in shards]
got = []
for shard in shards:
    it = client.get_shard_iterator(StreamName='boto-flow', ShardId=shard['ShardId'], ShardIteratorType='TRIM_HORIZON')['ShardIterator']
    for _ in range(20):
        page = client.get_records(ShardIterator=it, Limit=50)
        for rec in page['Records']:
            got.append([shard['ShardId'], rec['SequenceNumber'], rec['PartitionKey'], rec['Data'].decode(), rec['ApproximateArrivalTimestamp'].timestamp()])
        it = page.get('NextShardIterator')
        if not page['Records'] and page['MillisBehindLatest'] == 0:
            break
out['got'] = got
summary = client.describe_stream_summary(StreamName='boto-flow')['StreamDescriptionSummary']
arn = summary['StreamARN']
out['arn'] = arn
# Debian's boto3 1.26 predates StreamARN parameters; the SDK and CLI tests cover ARN addressing.
client.add_tags_to_stream(StreamName='boto-flow', Tags={'a': '1', 'b': '2'})
t = client.list_tags_for_stream(StreamName='boto-flow', Limit=1)
out['tags'] = {'Tags': t['Tags'], 'HasMoreTags': t['HasMoreTags']}
client.increase_stream_retention_period(StreamName='boto-flow', RetentionPeriodHours=72)
out['retention'] = client.describe_stream_summary(StreamName='boto-flow')['StreamDescriptionSummary']['RetentionPeriodHours']
try:
    client.get_shard_iterator(StreamName='boto-flow', ShardId='shardId-000000000009', ShardIteratorType='LATEST')
except ClientError as error:
    out['missingShard'] = [error.response['Error']['Code'], error.response['Error']['Message']]
client.delete_stream(StreamName='boto-flow')
client.get_waiter('stream_not_exists').wait(StreamName='boto-flow', WaiterConfig={'Delay': 1, 'MaxAttempts': 30})
out['afterDelete'] = client.list_streams()['StreamNames']
print(json.dumps(out, default=str))
`;

describe('boto3', { skip: boto3.skip }, () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server.stop();
  });

  test('creates, writes 300 records, reads them back from every shard, tags, and deletes', async () => {
    const { stdout } = await run(debianPythonPath, ['-c', script, server.url], {
      env: awsToolEnvironment(),
      timeout: 120_000,
    });
    const out = JSON.parse(stdout) as {
      failed: number;
      put: Array<[string, string]>;
      shards: string[];
      got: Array<[string, string, string, string, number]>;
      arn: string;
      tags: { Tags: unknown[]; HasMoreTags: boolean };
      retention: number;
      missingShard: [string, string];
      afterDelete: string[];
    };
    assert.equal(out.failed, 0);
    assert.deepEqual(out.shards, ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
    assert.equal(out.got.length, 300);
    for (const [shardId, sequence, partitionKey, data, arrivalSeconds] of out.got) {
      const index = Number(partitionKey.slice(3));
      assert.deepEqual(out.put[index], [shardId, sequence]);
      assert.equal(data, `boto ${index}`.repeat(10));
      assert.ok(Math.abs(arrivalSeconds * 1000 - Date.now()) < 600_000, 'arrival timestamps are epoch seconds');
    }
    assert.equal(out.arn, 'arn:aws:kinesis:us-east-1:000000000000:stream/boto-flow');
    assert.deepEqual(out.tags, { Tags: [{ Key: 'a', Value: '1' }], HasMoreTags: true });
    assert.equal(out.retention, 72);
    assert.deepEqual(out.missingShard, [
      'ResourceNotFoundException',
      'Shard shardId-000000000009 in stream boto-flow under account 000000000000 does not exist',
    ]);
    assert.deepEqual(out.afterDelete, []);
  });
});
