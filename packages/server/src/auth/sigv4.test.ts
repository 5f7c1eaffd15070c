/** SigV4 verification, held to @smithy/signature-v4 (the SDK's signer) as the oracle. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type RequestToSign, type SignOptions, signRequest, type TestCredentials } from '../testing/sigv4-oracle.js';
import { signatureMismatchMessage } from './auth-errors.js';
import { readSignature, type SignedRequest } from './signature-parts.js';
import { formatBasicDate, parseBasicDate, type SigningSecret, type VerifyResult, verifySignature } from './sigv4.js';

const alice: SigningSecret = { accessKeyId: 'AKIAALICE000000000001', secretAccessKey: 'alice-secret' };
const temporary: SigningSecret = {
  accessKeyId: 'ASIATEMP0000000000001',
  secretAccessKey: 'temp-secret',
  sessionToken: 'session-token-1',
  expiresAtMs: Date.UTC(2026, 0, 2),
};
const secrets = new Map([alice, temporary].map((secret) => [secret.accessKeyId, secret]));
const now = Date.UTC(2026, 0, 1, 12, 0, 0);

const putRecord: RequestToSign = {
  authority: '127.0.0.1:4567',
  protocol: 'http1',
  headers: {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'Kinesis_20131202.PutRecord',
  },
  body: Buffer.from('{"StreamName":"s","PartitionKey":"k","Data":"AA=="}'),
};

/** The request as node hands it to the front door. */
function received(
  request: RequestToSign,
  signed: { headers: Record<string, string>; path: string },
  change: Partial<SignedRequest> = {},
): SignedRequest {
  const pseudo: Record<string, string> =
    request.protocol === 'http2'
      ? {
          ':method': request.method ?? 'POST',
          ':path': signed.path,
          ':authority': request.authority,
          ':scheme': 'http',
        }
      : { host: request.authority };
  const all = { ...pseudo, ...signed.headers };
  const headers = Object.fromEntries(Object.entries(all).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    method: request.method ?? 'POST',
    target: signed.path,
    headers,
    rawHeaders: Object.entries(all).flat(),
    body: request.body,
    ...change,
  };
}

async function verify(
  request: RequestToSign,
  credentials: TestCredentials = alice,
  options: SignOptions & { nowMs?: number; change?: Partial<SignedRequest> } = {},
): Promise<VerifyResult> {
  const signed = await signRequest(request, credentials, { signingDate: new Date(now), ...options });
  const arrived = received(request, signed, options.change);
  const parts = readSignature(arrived);
  if (!('location' in parts)) return { ok: false, error: parts };
  return verifySignature(arrived, parts, {
    region: 'us-east-1',
    service: 'kinesis',
    nowMs: options.nowMs ?? now,
    lookup: (id) => secrets.get(id),
  });
}

function assertRefused(result: VerifyResult, type: string, message: string | RegExp): void {
  assert.equal(result.ok, false, 'the request is refused');
  if (result.ok) return;
  assert.equal(result.error.type, type);
  if (typeof message === 'string') assert.equal(result.error.message, message);
  else assert.match(result.error.message, message);
}

describe('SigV4 verification accepts what the SDK signs', () => {
  test('an HTTP/1.1 request signing host', async () => {
    assert.deepEqual(await verify(putRecord), { ok: true, accessKeyId: alice.accessKeyId });
  });

  test('an HTTP/2 request signing :authority instead of host', async () => {
    assert.equal((await verify({ ...putRecord, protocol: 'http2' })).ok, true);
  });

  test('an x-amz-content-sha256 header the SDK adds', async () => {
    const hash = (await import('node:crypto')).createHash('sha256').update(putRecord.body).digest('hex');
    const request = { ...putRecord, headers: { ...putRecord.headers, 'x-amz-content-sha256': hash } };
    assert.equal((await verify(request)).ok, true);
  });

  test('UNSIGNED-PAYLOAD, which signs no body', async () => {
    const request = { ...putRecord, headers: { ...putRecord.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } };
    const signed = await verify(request, alice, { change: { body: Buffer.from('{"anything":"else"}') } });
    assert.equal(signed.ok, true);
  });

  test('a query string, sorted and encoded as the SDK canonicalises it', async () => {
    assert.equal((await verify({ ...putRecord, path: '/?b=2&a=1&c=x%20y&d=%2B%2F' })).ok, true);
  });

  test('a path with segments to normalise and characters to encode', async () => {
    assert.equal((await verify({ ...putRecord, path: '/a/./b/../c%20d/' })).ok, true);
  });

  test('blank runs inside a signed header value, collapsed as AWS canonicalises them', async () => {
    const request = { ...putRecord, headers: { ...putRecord.headers, 'x-custom': '  a   b  c ' } };
    assert.equal((await verify(request)).ok, true);
  });

  test('temporary credentials with their session token', async () => {
    assert.deepEqual(await verify(putRecord, temporary), { ok: true, accessKeyId: temporary.accessKeyId });
  });

  test('a presigned request (query-string signature)', async () => {
    assert.equal((await verify(putRecord, alice, { presignExpiresSeconds: 300 })).ok, true);
    assert.equal(
      (await verify({ ...putRecord, protocol: 'http2' }, temporary, { presignExpiresSeconds: 900 })).ok,
      true,
    );
  });

  test('a signature up to 15 minutes old or ahead of the server clock', async () => {
    assert.equal((await verify(putRecord, alice, { nowMs: now + 15 * 60_000 })).ok, true);
    assert.equal((await verify(putRecord, alice, { nowMs: now - 15 * 60_000 })).ok, true);
  });
});

describe('SigV4 verification refuses with AWS errors', () => {
  test('a tampered body: InvalidSignatureException', async () => {
    const result = await verify(putRecord, alice, { change: { body: Buffer.from('{"StreamName":"t"}') } });
    assertRefused(result, 'InvalidSignatureException', signatureMismatchMessage);
  });

  test('a tampered body under a stale x-amz-content-sha256: InvalidSignatureException', async () => {
    const hash = (await import('node:crypto')).createHash('sha256').update(putRecord.body).digest('hex');
    const request = { ...putRecord, headers: { ...putRecord.headers, 'x-amz-content-sha256': hash } };
    const result = await verify(request, alice, { change: { body: Buffer.from('{}') } });
    assertRefused(result, 'InvalidSignatureException', signatureMismatchMessage);
  });

  test('a wrong secret: InvalidSignatureException', async () => {
    const result = await verify(putRecord, { accessKeyId: alice.accessKeyId, secretAccessKey: 'wrong' });
    assertRefused(result, 'InvalidSignatureException', signatureMismatchMessage);
  });

  test('an unknown access key: UnrecognizedClientException', async () => {
    const result = await verify(putRecord, { accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' });
    assertRefused(result, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  });

  test('a signature more than 15 minutes old: Signature expired', async () => {
    const result = await verify(putRecord, alice, { nowMs: now + 15 * 60_000 + 1000 });
    assertRefused(
      result,
      'InvalidSignatureException',
      'Signature expired: 20260101T120000Z is now earlier than 20260101T120001Z (20260101T121501Z - 15 min.)',
    );
  });

  test('a signature more than 15 minutes ahead: Signature not yet current', async () => {
    const result = await verify(putRecord, alice, { nowMs: now - 15 * 60_000 - 1000 });
    assertRefused(
      result,
      'InvalidSignatureException',
      'Signature not yet current: 20260101T120000Z is still later than 20260101T115959Z (20260101T114459Z + 15 min.)',
    );
  });

  test('a presigned request past its X-Amz-Expires', async () => {
    const result = await verify(putRecord, alice, { presignExpiresSeconds: 60, nowMs: now + 61_000 });
    assertRefused(result, 'InvalidSignatureException', /^Signature expired: 20260101T120000Z is now earlier than/);
  });

  test('a presigned request with another signature: InvalidSignatureException', async () => {
    const signed = await signRequest(putRecord, alice, { signingDate: new Date(now), presignExpiresSeconds: 60 });
    const path = signed.path.replace(/X-Amz-Signature=[0-9a-f]{4}/, 'X-Amz-Signature=0000');
    const arrived = received(putRecord, { ...signed, path });
    const parts = readSignature(arrived);
    assert.ok('location' in parts);
    const result = verifySignature(arrived, parts, {
      region: 'us-east-1',
      service: 'kinesis',
      nowMs: now,
      lookup: (id) => secrets.get(id),
    });
    assertRefused(result, 'InvalidSignatureException', signatureMismatchMessage);
  });

  test('temporary credentials without their session token: UnrecognizedClientException', async () => {
    const result = await verify(putRecord, {
      accessKeyId: temporary.accessKeyId,
      secretAccessKey: temporary.secretAccessKey,
    });
    assertRefused(result, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  });

  test('a wrong session token: UnrecognizedClientException (AWS leaves out the period here)', async () => {
    const result = await verify(putRecord, { ...temporary, sessionToken: 'forged' } as TestCredentials);
    assertRefused(result, 'UnrecognizedClientException', 'The security token included in the request is invalid');
  });

  test('a session token on a long-term key: UnrecognizedClientException', async () => {
    const result = await verify(putRecord, { ...alice, sessionToken: 'made-up' });
    assertRefused(result, 'UnrecognizedClientException', 'The security token included in the request is invalid');
  });

  test('expired temporary credentials: ExpiredTokenException', async () => {
    const later = Date.UTC(2026, 0, 2, 0, 5);
    const result = await verify(putRecord, temporary, { signingDate: new Date(later), nowMs: later });
    assertRefused(result, 'ExpiredTokenException', 'The security token included in the request is expired');
  });

  test('a credential scoped to another region or service: every problem in one message', async () => {
    const result = await verify(putRecord, alice, { region: 'eu-west-1', service: 'dynamodb' });
    assertRefused(
      result,
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped to correct service: 'kinesis'.",
    );
  });
});

describe('SigV4 envelope checks, in AWS order', () => {
  const base = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'Kinesis_20131202.ListStreams',
    host: 'localhost',
  };
  function check(authorization: string, headers: Record<string, string> = {}): VerifyResult {
    const all = { ...base, authorization, 'x-amz-date': '20260101T120000Z', ...headers };
    const request: SignedRequest = {
      method: 'POST',
      target: '/',
      headers: all,
      rawHeaders: Object.entries(all).flat(),
      body: Buffer.from('{}'),
    };
    const parts = readSignature(request);
    if (!('location' in parts)) return { ok: false, error: parts };
    return verifySignature(request, parts, {
      region: 'us-east-1',
      service: 'kinesis',
      nowMs: now,
      lookup: (id) => secrets.get(id),
    });
  }
  const credential = 'AKIAALICE000000000001/20260101/us-east-1/kinesis/aws4_request';

  test('a date not in ISO 8601 basic format is incomplete', () => {
    assertRefused(
      check(`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=ab`, { 'x-amz-date': '201' }),
      'IncompleteSignatureException',
      "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  test('expiry is judged before the credential (a garbage credential still reads "Signature expired")', () => {
    assertRefused(
      check('AWS4-HMAC-SHA256 Credential=a/2/3/4/aws4_request, SignedHeaders=host, Signature=ab', {
        'x-amz-date': '20170101T010101Z',
      }),
      'InvalidSignatureException',
      /^Signature expired: 20170101T010101Z is now earlier than/,
    );
  });

  test('Host must be signed', () => {
    assertRefused(
      check(`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=x-amz-date, Signature=ab`),
      'InvalidSignatureException',
      "'Host' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  test('only AWS4-HMAC-SHA256 is supported', () => {
    assertRefused(
      check(`AWS4-HMAC-SHA25 Credential=${credential}, SignedHeaders=host, Signature=ab`),
      'IncompleteSignatureException',
      "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ",
    );
  });

  test('the credential needs five parts (trailing slashes ignored)', () => {
    assertRefused(
      check('AWS4-HMAC-SHA256 Credential=a/b/c/d/, SignedHeaders=host, Signature=ab'),
      'IncompleteSignatureException',
      "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'a/b/c/d'",
    );
  });

  test('every scope problem is listed, in AWS order', () => {
    assertRefused(
      check('AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=ab'),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'c'. Credential should be scoped to correct service: 'kinesis'. " +
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. " +
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20260101', from '20260101T120000Z'.",
    );
  });

  test('a Date header stands in for X-Amz-Date', () => {
    const result = check(`AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=ab`, {
      'x-amz-date': '',
      date: 'Thu, 01 Jan 2026 12:00:00 GMT',
    });
    assertRefused(result, 'InvalidSignatureException', signatureMismatchMessage);
  });
});

describe('basic ISO 8601 dates', () => {
  test('round-trip', () => {
    assert.equal(formatBasicDate(parseBasicDate('20260228T235959Z')), '20260228T235959Z');
  });
  test('impossible dates do not parse', () => {
    for (const text of ['20260230T000000Z', '20261301T000000Z', '20260101T240000Z', '2026-01-01T00:00:00Z', '']) {
      assert.ok(Number.isNaN(parseBasicDate(text)), text);
    }
  });
});
