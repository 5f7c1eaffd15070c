/**
 * Acceptance: with --credentials, the AWS CLI v2 and boto3 (botocore's own signer) get in with the
 * right keys and are refused with AWS's errors otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { awsCliPath, awsToolEnvironment, debianPythonPath, requireAwsCli, requireBoto3 } from '../testing/interop.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { type CredentialsFile, type TestUser, testUsers, writeCredentialsFile } from '../testing/test-users.js';

const run = promisify(execFile);
const cli = requireAwsCli();
const boto3 = requireBoto3();

function environmentFor(user: Pick<TestUser, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>): NodeJS.ProcessEnv {
  return {
    ...awsToolEnvironment(),
    AWS_ACCESS_KEY_ID: user.accessKeyId,
    AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
    ...(user.sessionToken === undefined ? {} : { AWS_SESSION_TOKEN: user.sessionToken }),
  };
}

describe('SigV4 with the AWS CLI and boto3', { skip: cli.skip || boto3.skip }, () => {
  let server: ServerProcess;
  let credentials: CredentialsFile;
  before(async () => {
    credentials = writeCredentialsFile();
    server = await startServerProcess({
      inMemory: true,
      args: ['--credentials', credentials.path, '--streams', 'signed:2'],
    });
  });
  after(async () => {
    await server?.stop();
    credentials?.remove();
  });

  const aws = (user: Parameters<typeof environmentFor>[0], ...args: string[]) =>
    run(awsCliPath, ['--endpoint-url', server.url, '--output', 'json', 'kinesis', ...args], {
      env: environmentFor(user),
      timeout: 60_000,
    });
  const awsError = async (user: Parameters<typeof environmentFor>[0], ...args: string[]): Promise<string> => {
    try {
      await aws(user, ...args);
    } catch (error) {
      return (error as { stderr: string }).stderr;
    }
    throw new Error('the AWS CLI call succeeded but should have been refused');
  };

  test('the AWS CLI gets in with the right keys, temporary ones included', async () => {
    const put = JSON.parse(
      (
        await aws(
          testUsers.admin,
          'put-record',
          '--stream-name',
          'signed',
          '--partition-key',
          'cli',
          '--data',
          'aGVsbG8=',
        )
      ).stdout,
    ) as { ShardId: string };
    assert.match(put.ShardId, /^shardId-00000000000[01]$/);
    const listed = JSON.parse((await aws(testUsers.temporary, 'list-streams')).stdout) as { StreamNames: string[] };
    assert.deepEqual(listed.StreamNames, ['signed']);
  });

  test('the AWS CLI is refused with a wrong secret, an unknown key, or no right', async () => {
    assert.match(
      await awsError({ ...testUsers.admin, secretAccessKey: 'wrong' }, 'list-streams'),
      /\(InvalidSignatureException\) when calling the ListStreams operation: The request signature we calculated does not match/,
    );
    assert.match(
      await awsError({ accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'x' }, 'list-streams'),
      /\(UnrecognizedClientException\) when calling the ListStreams operation: The security token included in the request is invalid\./,
    );
    assert.match(
      await awsError(testUsers.reader, 'delete-stream', '--stream-name', 'signed'),
      /\(AccessDeniedException\) when calling the DeleteStream operation: User: arn:aws:iam::000000000000:user\/reader is not authorized to perform: kinesis:DeleteStream on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/signed/,
    );
  });

  const script = `
import json, sys
import boto3
from botocore.exceptions import ClientError
url, key, secret = sys.argv[1], sys.argv[2], sys.argv[3]
client = boto3.client('kinesis', endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret, region_name='us-east-1')
try:
    put = client.put_record(StreamName='signed', PartitionKey='boto', Data=b'from boto3')
    it = client.get_shard_iterator(StreamName='signed', ShardId=put['ShardId'], ShardIteratorType='AT_SEQUENCE_NUMBER', StartingSequenceNumber=put['SequenceNumber'])['ShardIterator']
    records = client.get_records(ShardIterator=it)['Records']
    print(json.dumps({'data': records[0]['Data'].decode()}))
except ClientError as error:
    print(json.dumps({'error': [error.response['Error']['Code'], error.response['Error']['Message']]}))
`;
  const botoRun = async (key: string, secret: string): Promise<{ data?: string; error?: [string, string] }> => {
    const { stdout } = await run(debianPythonPath, ['-c', script, server.url, key, secret], {
      env: awsToolEnvironment(),
      timeout: 60_000,
    });
    return JSON.parse(stdout);
  };

  test('boto3 gets in with the right keys', async () => {
    assert.deepEqual(await botoRun(testUsers.admin.accessKeyId, testUsers.admin.secretAccessKey), {
      data: 'from boto3',
    });
  });

  test('boto3 is refused with a wrong secret or an unknown key', async () => {
    assert.deepEqual(await botoRun(testUsers.admin.accessKeyId, 'wrong'), {
      error: [
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. ' +
          'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ],
    });
    assert.deepEqual(await botoRun('AKIASTRANGER00000001', 'x'), {
      error: ['UnrecognizedClientException', 'The security token included in the request is invalid.'],
    });
  });
});
