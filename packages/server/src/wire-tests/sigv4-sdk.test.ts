/**
 * Acceptance: with --credentials, the AWS SDK (HTTP/2 and HTTP/1.1) gets in with the right keys
 * and is refused with AWS's errors otherwise; presigned requests work; IAM policies decide what
 * each user may do, resource policies included.
 */
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { after, before, describe, test } from 'node:test';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
  PutResourcePolicyCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { type ServerProcess, startServerProcess } from '../testing/server-process.js';
import { signRequest } from '../testing/sigv4-oracle.js';
import {
  type CredentialsFile,
  otherAccountId,
  serverAccountId,
  signedClient,
  streamArn,
  testUsers,
  writeCredentialsFile,
} from '../testing/test-users.js';

const signatureMismatch =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

async function refusal(
  promise: Promise<unknown>,
): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, message: failure.message, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded but should have been refused');
}

describe('SigV4 with the AWS SDK', () => {
  let server: ServerProcess;
  let credentials: CredentialsFile;
  const clients: KinesisClient[] = [];
  const client = (...args: Parameters<typeof signedClient>): KinesisClient => {
    const made = signedClient(...args);
    clients.push(made);
    return made;
  };

  before(async () => {
    credentials = writeCredentialsFile();
    server = await startServerProcess({ inMemory: true, args: ['--credentials', credentials.path] });
    const admin = client(server.url, testUsers.admin);
    for (const name of ['readable-orders', 'readable-secret', 'private', 'shared']) {
      await admin.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    }
  });
  after(async () => {
    for (const made of clients) made.destroy();
    await server?.stop();
    credentials?.remove();
  });

  for (const transport of ['h2', 'http1'] as const) {
    test(`the right keys get in over ${transport}: put, read back, list`, async () => {
      const admin = client(server.url, testUsers.admin, transport);
      const put = await admin.send(
        new PutRecordCommand({
          StreamName: 'private',
          PartitionKey: transport,
          Data: Buffer.from(`over ${transport}`),
        }),
      );
      const { ShardIterator } = await admin.send(
        new GetShardIteratorCommand({
          StreamName: 'private',
          ShardId: put.ShardId,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: put.SequenceNumber,
        }),
      );
      const records = await admin.send(new GetRecordsCommand({ ShardIterator }));
      assert.equal(Buffer.from(records.Records?.[0]?.Data ?? []).toString(), `over ${transport}`);
      const listed = await admin.send(new ListStreamsCommand({}));
      assert.deepEqual(listed.StreamNames, ['private', 'readable-orders', 'readable-secret', 'shared']);
    });

    test(`a wrong secret is refused over ${transport}: InvalidSignatureException`, async () => {
      const wrong = client(server.url, { ...testUsers.admin, secretAccessKey: 'not-the-secret' }, transport);
      const refused = await refusal(wrong.send(new ListStreamsCommand({})));
      assert.deepEqual(refused, { name: 'InvalidSignatureException', message: signatureMismatch, status: 400 });
    });

    test(`an unknown key is refused over ${transport}: UnrecognizedClientException`, async () => {
      const stranger = client(server.url, { accessKeyId: 'AKIASTRANGER00000001', secretAccessKey: 'x' }, transport);
      const refused = await refusal(stranger.send(new ListStreamsCommand({})));
      assert.deepEqual(refused, {
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
        status: 400,
      });
    });

    test(`a signature older than 15 minutes is refused over ${transport}: Signature expired`, async () => {
      const late = client(server.url, testUsers.admin, transport, { systemClockOffset: -16 * 60_000 });
      const refused = await refusal(late.send(new ListStreamsCommand({})));
      assert.equal(refused.name, 'InvalidSignatureException');
      assert.match(
        refused.message,
        /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
      );
    });

    test(`a body changed after signing is refused over ${transport}: InvalidSignatureException`, async () => {
      const tampering = client(server.url, testUsers.admin, transport);
      type Tamper = Parameters<typeof tampering.middlewareStack.addRelativeTo>[0];
      const tamper =
        (next: (args: { request: { body: unknown } }) => Promise<unknown>) =>
        async (args: { request: { body: unknown } }) => {
          // Same length, one byte different: only the signature can tell.
          args.request.body = String(args.request.body).replace('"PartitionKey":"k"', '"PartitionKey":"x"');
          return next(args);
        };
      tampering.middlewareStack.addRelativeTo(tamper as unknown as Tamper, {
        relation: 'after',
        toMiddleware: 'httpSigningMiddleware',
        name: 'tamperAfterSigning',
      });
      const refused = await refusal(
        tampering.send(new PutRecordCommand({ StreamName: 'private', PartitionKey: 'k', Data: Buffer.from('x') })),
      );
      assert.deepEqual(refused, { name: 'InvalidSignatureException', message: signatureMismatch, status: 400 });
    });

    test(`temporary credentials need their session token over ${transport}`, async () => {
      const temporary = client(server.url, testUsers.temporary, transport);
      assert.ok((await temporary.send(new ListStreamsCommand({}))).StreamNames);
      const forged = client(server.url, { ...testUsers.temporary, sessionToken: 'forged' }, transport);
      const refused = await refusal(forged.send(new ListStreamsCommand({})));
      assert.deepEqual(refused, {
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid',
        status: 400,
      });
    });
  }

  test('a request without a signature: MissingAuthenticationTokenException', async () => {
    const { Authorization: _, ...headers } = kinesisHeaders('ListStreams', 'application/x-amz-json-1.1');
    const answer = await rawRequest(server.url, { headers, body: '{}' });
    assert.equal(answer.statusCode, 400);
    assert.deepEqual(JSON.parse(answer.body.toString()), {
      __type: 'MissingAuthenticationTokenException',
      message: 'Missing Authentication Token',
    });
  });

  test('a complete-looking but unverified signature no longer gets in', async () => {
    const answer = await rawRequest(server.url, {
      headers: kinesisHeaders('ListStreams', 'application/x-amz-json-1.1'),
      body: '{}',
    });
    assert.equal(answer.statusCode, 400);
    assert.equal(JSON.parse(answer.body.toString()).__type, 'InvalidSignatureException');
  });

  test('presigned requests work over HTTP/1.1 and HTTP/2, and fail once tampered with', async () => {
    const authority = new URL(server.url).host;
    const body = Buffer.from(JSON.stringify({ StreamName: 'private' }));
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.DescribeStreamSummary',
    };
    const presigned = await signRequest({ authority, protocol: 'http1', headers, body }, testUsers.admin, {
      presignExpiresSeconds: 300,
    });
    assert.match(presigned.path, /X-Amz-Signature=[0-9a-f]{64}/);
    assert.equal(presigned.headers.authorization, undefined);
    const answer = await rawRequest(server.url, { path: presigned.path, headers: presigned.headers, body });
    assert.equal(answer.statusCode, 200, answer.body.toString());
    assert.equal(JSON.parse(answer.body.toString()).StreamDescriptionSummary.StreamName, 'private');

    const tampered = await rawRequest(server.url, {
      path: presigned.path,
      headers: presigned.headers,
      body: Buffer.from(JSON.stringify({ StreamName: 'shared' })),
    });
    assert.equal(JSON.parse(tampered.body.toString()).__type, 'InvalidSignatureException');

    const overHttp2 = await signRequest({ authority, protocol: 'http2', headers, body }, testUsers.temporary, {
      presignExpiresSeconds: 60,
    });
    const session = http2.connect(server.url);
    try {
      const answer2 = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const stream = session.request({ ':method': 'POST', ':path': overHttp2.path, ...overHttp2.headers });
        let status = 0;
        let text = '';
        stream.on('response', (received) => {
          status = Number(received[':status']);
        });
        stream.on('data', (chunk: Buffer) => {
          text += chunk.toString();
        });
        stream.on('end', () => resolve({ status, text }));
        stream.on('error', reject);
        stream.end(body);
      });
      assert.equal(answer2.status, 200, answer2.text);
    } finally {
      session.close();
    }
  });

  test('an identity policy limits a user to what it allows, with AWS message', async () => {
    const reader = client(server.url, testUsers.reader);
    const summary = await reader.send(new DescribeStreamSummaryCommand({ StreamName: 'readable-orders' }));
    assert.equal(summary.StreamDescriptionSummary?.StreamName, 'readable-orders');
    assert.ok((await reader.send(new ListStreamsCommand({}))).StreamNames);

    const put = await refusal(
      reader.send(new PutRecordCommand({ StreamName: 'readable-orders', PartitionKey: 'k', Data: Buffer.from('x') })),
    );
    assert.deepEqual(put, {
      name: 'AccessDeniedException',
      message:
        `User: arn:aws:iam::${serverAccountId}:user/reader is not authorized to perform: kinesis:PutRecord on resource: ` +
        `${streamArn('readable-orders')} because no identity-based policy allows the kinesis:PutRecord action`,
      status: 400,
    });
    const other = await refusal(reader.send(new DescribeStreamSummaryCommand({ StreamName: 'private' })));
    assert.match(
      other.message,
      /kinesis:DescribeStreamSummary on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/private because no identity-based policy/,
    );
    const secret = await refusal(reader.send(new DescribeStreamSummaryCommand({ StreamName: 'readable-secret' })));
    assert.match(secret.message, /stream\/readable-secret with an explicit deny in an identity-based policy$/);
  });

  test('GetRecords is authorized against the stream its iterator reads', async () => {
    const admin = client(server.url, testUsers.admin);
    const reader = client(server.url, testUsers.reader);
    const readable = await reader.send(
      new GetShardIteratorCommand({
        StreamName: 'readable-orders',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    assert.ok(await reader.send(new GetRecordsCommand({ ShardIterator: readable.ShardIterator })));
    const foreign = await admin.send(
      new GetShardIteratorCommand({
        StreamName: 'private',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const refused = await refusal(reader.send(new GetRecordsCommand({ ShardIterator: foreign.ShardIterator })));
    assert.match(
      refused.message,
      /kinesis:GetRecords on resource: arn:aws:kinesis:us-east-1:000000000000:stream\/private because/,
    );
  });

  test("another account's user gets in only where a resource policy grants it", async () => {
    const admin = client(server.url, testUsers.admin);
    const guest = client(server.url, testUsers.guest);
    const record = { StreamARN: streamArn('shared'), PartitionKey: 'k', Data: Buffer.from('from afar') };
    const before_ = await refusal(guest.send(new PutRecordCommand(record)));
    assert.equal(before_.name, 'AccessDeniedException');
    assert.equal(
      before_.message,
      `User: arn:aws:iam::${otherAccountId}:user/guest is not authorized to perform: kinesis:PutRecord on resource: ` +
        `${streamArn('shared')} because no resource-based policy allows the kinesis:PutRecord action`,
    );
    const grant = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${otherAccountId}:root` },
          Action: ['kinesis:PutRecord', 'kinesis:DescribeStreamSummary'],
          Resource: streamArn('shared'),
        },
      ],
    };
    await admin.send(new PutResourcePolicyCommand({ ResourceARN: streamArn('shared'), Policy: JSON.stringify(grant) }));
    const put = await guest.send(new PutRecordCommand(record));
    assert.equal(put.ShardId, 'shardId-000000000000');
    // The grant names one stream and two actions: nothing else opens up.
    assert.equal(
      (await refusal(guest.send(new PutRecordCommand({ ...record, StreamARN: streamArn('private') })))).name,
      'AccessDeniedException',
    );
    assert.equal((await refusal(guest.send(new ListStreamsCommand({})))).name, 'AccessDeniedException');
  });

  test('refusals are logged, and no secret ever is', async () => {
    const output = server.output();
    assert.match(
      output,
      /refused PutRecord from \S+ by user reader \(access key AKIAREADER0000000001\): AccessDeniedException/,
    );
    assert.match(
      output,
      /refused ListStreams from \S+ with an unknown access key \(AKIA…, 20 characters\): UnrecognizedClientException/,
    );
    for (const user of Object.values(testUsers)) {
      assert.ok(!output.includes(user.secretAccessKey), `the secret of ${user.name} is not in the log`);
    }
    assert.ok(!output.includes(testUsers.temporary.sessionToken), 'no session token in the log');
  });
});
