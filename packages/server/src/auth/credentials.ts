/**
 * The credentials file (`--credentials FILE`): the users who may call the server, their access
 * keys and their IAM identity policies.
 *
 * ```json
 * {"users": [{"name": "producer", "accessKeyId": "AKIA…", "secretAccessKey": "…",
 *             "sessionToken": "…", "expiration": "2026-01-01T00:00:00Z", "accountId": "111122223333",
 *             "policy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"}]}}]}
 * ```
 * `sessionToken` makes the key temporary (requests must carry it as x-amz-security-token) and
 * `expiration` ends it; `accountId` (default: `--account-id`) puts the user in another account,
 * which reaches this server's streams only where a resource policy grants it.
 * Every mistake is refused at start-up with the user and the field it concerns.
 */
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../config.js';
import { type PolicyDocument, PolicyError, parsePolicy } from './policy.js';
import type { SigningSecret } from './sigv4.js';

export interface UserIdentity extends SigningSecret {
  readonly name: string;
  readonly accountId: string;
  /** `arn:aws:iam::ACCOUNT:user/NAME`, as AWS names the caller in AccessDeniedException. */
  readonly arn: string;
  readonly policy: PolicyDocument;
}

export interface CredentialStore {
  readonly users: readonly UserIdentity[];
  find(accessKeyId: string): UserIdentity | undefined;
  /** Problems worth a warning that do not stop the server (a world-readable file). */
  readonly warnings: readonly string[];
}

/** IAM's user-name alphabet and length. */
const userNamePattern = /^[\w+=,.@-]{1,64}$/;
/** Word characters only, so a key id never splits the credential scope (`KEY/date/region/…`). */
const accessKeyIdPattern = /^\w{1,128}$/;
const userFields = new Set([
  'name',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
  'expiration',
  'accountId',
  'policy',
]);

function text(user: Record<string, unknown>, field: string, where: string, required: boolean): string | undefined {
  const value = user[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new ConfigError(`${where}: "${field}" must be a non-empty string`);
  return value;
}

function parseUser(raw: unknown, index: number, defaultAccountId: string): UserIdentity {
  let where = `users[${index}]`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new ConfigError(`${where} must be an object`);
  const user = raw as Record<string, unknown>;
  const name = text(user, 'name', where, true) as string;
  if (!userNamePattern.test(name)) throw new ConfigError(`${where}: "name" must match ${userNamePattern.source}`);
  where = `user ${name}`;
  for (const field of Object.keys(user)) {
    if (!userFields.has(field)) throw new ConfigError(`${where}: unknown field "${field}"`);
  }
  const accessKeyId = text(user, 'accessKeyId', where, true) as string;
  if (!accessKeyIdPattern.test(accessKeyId))
    throw new ConfigError(`${where}: "accessKeyId" must be letters, digits or _`);
  const secretAccessKey = text(user, 'secretAccessKey', where, true) as string;
  const sessionToken = text(user, 'sessionToken', where, false);
  const expiration = text(user, 'expiration', where, false);
  if (expiration !== undefined && sessionToken === undefined) {
    throw new ConfigError(`${where}: "expiration" applies only to temporary credentials (with "sessionToken")`);
  }
  const expiresAtMs = expiration === undefined ? undefined : Date.parse(expiration);
  if (expiresAtMs !== undefined && Number.isNaN(expiresAtMs)) {
    throw new ConfigError(`${where}: "expiration" must be an ISO 8601 time, got '${expiration}'`);
  }
  const accountId = text(user, 'accountId', where, false) ?? defaultAccountId;
  if (!/^\d{12}$/.test(accountId)) throw new ConfigError(`${where}: "accountId" must be 12 digits`);
  if (user.policy === undefined) throw new ConfigError(`${where}: "policy" (an IAM policy document) is required`);
  let policy: PolicyDocument;
  try {
    policy = parsePolicy(user.policy, 'identity', true);
  } catch (error) {
    if (error instanceof PolicyError) throw new ConfigError(`${where}: policy: ${error.message}`);
    throw error;
  }
  return {
    name,
    accountId,
    arn: `arn:aws:iam::${accountId}:user/${name}`,
    accessKeyId,
    secretAccessKey,
    ...(sessionToken === undefined ? {} : { sessionToken }),
    ...(expiresAtMs === undefined ? {} : { expiresAtMs }),
    policy,
  };
}

/** Builds the store from a parsed credentials document; throws ConfigError naming the mistake. */
export function parseCredentials(document: unknown, defaultAccountId: string): CredentialStore {
  if (document === null || typeof document !== 'object' || !Array.isArray((document as { users?: unknown }).users)) {
    throw new ConfigError('the credentials file must hold {"users": [...]}');
  }
  const users = (document as { users: unknown[] }).users.map((user, index) => parseUser(user, index, defaultAccountId));
  if (users.length === 0) throw new ConfigError('the credentials file names no users');
  const byKey = new Map<string, UserIdentity>();
  const arns = new Set<string>();
  for (const user of users) {
    if (byKey.has(user.accessKeyId))
      throw new ConfigError(`user ${user.name}: access key ${user.accessKeyId} is used twice`);
    if (arns.has(user.arn)) throw new ConfigError(`user ${user.name} appears twice in account ${user.accountId}`);
    byKey.set(user.accessKeyId, user);
    arns.add(user.arn);
  }
  return { users, find: (accessKeyId) => byKey.get(accessKeyId), warnings: [] };
}

export function loadCredentials(path: string, defaultAccountId: string): CredentialStore {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`cannot read credentials file ${path}: ${(error as Error).message}`);
  }
  let store: CredentialStore;
  try {
    store = parseCredentials(document, defaultAccountId);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(`credentials file ${path}: ${error.message}`);
    throw error;
  }
  // Secrets readable by other local users are worth a warning, not a refusal (containers often run as root).
  const groupOrOtherBits = 0o077;
  const warnings =
    (statSync(path).mode & groupOrOtherBits) !== 0
      ? [`credentials file ${path} is readable by other users; chmod 600 it`]
      : [];
  return { ...store, warnings };
}
