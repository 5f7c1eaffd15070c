/**
 * Test support: a credentials file (auth/credentials.ts) with a few users of different rights,
 * written to a private temporary directory, and SDK clients that sign as them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Transport } from './clients.js';

export const serverAccountId = '000000000000';
export const otherAccountId = '222222222222';

export interface TestUser {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly accountId?: string;
  readonly policy: unknown;
}

const statement = (Effect: 'Allow' | 'Deny', Action: string | string[], Resource: string | string[] = '*') => ({
  Effect,
  Action,
  Resource,
});

/** Everyone a security test needs: an administrator, a reader of some streams, temporary keys, a guest. */
export const testUsers = {
  admin: {
    name: 'admin',
    accessKeyId: 'AKIAADMIN00000000001',
    secretAccessKey: 'admin-secret-aaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    policy: { Version: '2012-10-17', Statement: [statement('Allow', 'kinesis:*')] },
  },
  reader: {
    name: 'reader',
    accessKeyId: 'AKIAREADER0000000001',
    secretAccessKey: 'reader-secret-bbbbbbbbbbbbbbbbbbbbbbbbbbb',
    policy: {
      Version: '2012-10-17',
      Statement: [
        statement(
          'Allow',
          ['kinesis:Get*', 'kinesis:Describe*', 'kinesis:List*'],
          `arn:aws:kinesis:us-east-1:${serverAccountId}:stream/readable-*`,
        ),
        statement('Allow', 'kinesis:ListStreams'),
        statement('Deny', 'kinesis:*', `arn:aws:kinesis:us-east-1:${serverAccountId}:stream/readable-secret`),
      ],
    },
  },
  temporary: {
    name: 'temporary',
    accessKeyId: 'ASIATEMPORARY0000001',
    secretAccessKey: 'temporary-secret-ccccccccccccccccccccccccc',
    sessionToken: 'session-token-dddddddddddddddddddddddddddddd',
    policy: { Version: '2012-10-17', Statement: [statement('Allow', 'kinesis:*')] },
  },
  guest: {
    name: 'guest',
    accessKeyId: 'AKIAGUEST00000000001',
    secretAccessKey: 'guest-secret-eeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
    accountId: otherAccountId,
    policy: { Version: '2012-10-17', Statement: [statement('Allow', 'kinesis:*')] },
  },
} as const satisfies Record<string, TestUser>;

export interface CredentialsFile {
  readonly path: string;
  remove(): void;
}

export function writeCredentialsFile(users: readonly TestUser[] = Object.values(testUsers)): CredentialsFile {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-users-'));
  const file = path.join(directory, 'users.json');
  writeFileSync(file, JSON.stringify({ users }, null, 2), { mode: 0o600 });
  return { path: file, remove: () => rmSync(directory, { recursive: true, force: true }) };
}

export function signedClient(
  url: string,
  user: Pick<TestUser, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>,
  transport: Transport = 'h2',
  extra: Partial<KinesisClientConfig> = {},
): KinesisClient {
  const credentials = {
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    ...(user.sessionToken === undefined ? {} : { sessionToken: user.sessionToken }),
  };
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    ...(transport === 'http1' ? { requestHandler: new NodeHttpHandler() } : {}),
    ...extra,
  });
}

export function streamArn(name: string, account = serverAccountId): string {
  return `arn:aws:kinesis:us-east-1:${account}:stream/${name}`;
}
