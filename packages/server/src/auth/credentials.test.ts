/** The credentials file: what it accepts, and each mistake refused with the user and field named. */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../config.js';
import { loadCredentials, parseCredentials } from './credentials.js';

const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kinesis:*', Resource: '*' }] };
const user = (fields: Record<string, unknown> = {}) => ({
  name: 'producer',
  accessKeyId: 'AKIAPRODUCER00000001',
  secretAccessKey: 'secret',
  policy: allowAll,
  ...fields,
});

describe('the credentials file', () => {
  test('names users by access key, in the server account unless told otherwise', () => {
    const store = parseCredentials(
      { users: [user(), user({ name: 'guest', accessKeyId: 'AKIAGUEST', accountId: '222222222222' })] },
      '111111111111',
    );
    assert.equal(store.find('AKIAPRODUCER00000001')?.arn, 'arn:aws:iam::111111111111:user/producer');
    assert.equal(store.find('AKIAGUEST')?.arn, 'arn:aws:iam::222222222222:user/guest');
    assert.equal(store.find('AKIANOBODY'), undefined);
  });

  test('reads temporary credentials with their token and expiry', () => {
    const store = parseCredentials(
      { users: [user({ sessionToken: 'token', expiration: '2030-01-01T00:00:00Z' })] },
      '111111111111',
    );
    const found = store.find('AKIAPRODUCER00000001');
    assert.equal(found?.sessionToken, 'token');
    assert.equal(found?.expiresAtMs, Date.UTC(2030, 0, 1));
  });

  const mistakes: Array<[string, unknown, RegExp]> = [
    ['no users list', { people: [] }, /must hold \{"users": \[\.\.\.\]\}/],
    ['no users', { users: [] }, /names no users/],
    [
      'a missing secret',
      { users: [user({ secretAccessKey: undefined })] },
      /user producer: "secretAccessKey" must be a non-empty string/,
    ],
    [
      'a key id that would split the scope',
      { users: [user({ accessKeyId: 'AKIA/x' })] },
      /"accessKeyId" must be letters, digits or _/,
    ],
    ['an unknown field', { users: [user({ secret: 'typo' })] }, /user producer: unknown field "secret"/],
    ['no policy', { users: [user({ policy: undefined })] }, /"policy" \(an IAM policy document\) is required/],
    [
      'an unsupported policy element',
      { users: [user({ policy: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} }] } })] },
      /user producer: policy: Statement 1: Condition is not supported/,
    ],
    [
      'an expiry without a token',
      { users: [user({ expiration: '2030-01-01T00:00:00Z' })] },
      /applies only to temporary credentials/,
    ],
    ['a bad account id', { users: [user({ accountId: '12' })] }, /"accountId" must be 12 digits/],
    ['a key used twice', { users: [user(), user({ name: 'other' })] }, /access key AKIAPRODUCER00000001 is used twice/],
    ['a user named twice', { users: [user(), user({ accessKeyId: 'AKIAOTHER' })] }, /user producer appears twice/],
    ['a bad user name', { users: [user({ name: 'a b' })] }, /"name" must match/],
  ];
  for (const [what, document, message] of mistakes) {
    test(`refuses ${what}`, () => {
      assert.throws(
        () => parseCredentials(document, '111111111111'),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    });
  }

  test('warns when other users can read the file, and names the file in errors', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-credentials-'));
    try {
      const file = path.join(directory, 'users.json');
      writeFileSync(file, JSON.stringify({ users: [user()] }));
      chmodSync(file, 0o644);
      assert.match(loadCredentials(file, '111111111111').warnings[0] ?? '', /readable by other users; chmod 600/);
      chmodSync(file, 0o600);
      assert.deepEqual(loadCredentials(file, '111111111111').warnings, []);
      writeFileSync(file, '{"users": [');
      assert.throws(() => loadCredentials(file, '111111111111'), /cannot read credentials file .*users\.json/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
