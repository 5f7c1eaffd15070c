/**
 * Safe defaults: who must authenticate, decided once at start-up.
 * - With `--credentials FILE`, requests are verified (`--auth sigv4`, the default then).
 * - Without one, authentication is off by default only while the server listens on a loopback
 *   address, where only local processes reach it. On any other address the server refuses to
 *   start unless `--auth off` says so explicitly.
 * - `--auth sigv4` without credentials is refused: no request could ever be let in.
 */
import { ConfigError } from '../config.js';
import { type CredentialStore, loadCredentials } from './credentials.js';

export type AuthMode = 'off' | 'sigv4';

export interface AuthSettings {
  readonly mode: AuthMode;
  readonly credentials?: CredentialStore;
  /** Things the operator should know, printed at start-up. */
  readonly warnings: readonly string[];
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const ipv4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ipv4);
}

export function resolveAuth(options: {
  readonly host: string;
  readonly auth: AuthMode | undefined;
  readonly credentials: string | undefined;
  readonly accountId: string;
}): AuthSettings {
  const { host, auth, credentials } = options;
  if (credentials !== undefined) {
    const store = loadCredentials(credentials, options.accountId);
    if (auth === 'off') {
      return { mode: 'off', warnings: [...store.warnings, `--auth off: the users in ${credentials} are not checked`] };
    }
    return { mode: 'sigv4', credentials: store, warnings: store.warnings };
  }
  if (auth === 'sigv4') {
    throw new ConfigError('--auth sigv4 needs --credentials FILE naming the users who may call (see docs/security.md)');
  }
  if (isLoopbackHost(host)) return { mode: 'off', warnings: [] };
  if (auth === undefined) {
    throw new ConfigError(
      `refusing to listen on ${host} without authentication: anyone who can reach that address could read, ` +
        'write and delete every stream. Give --credentials FILE to require signed requests (see docs/security.md), ' +
        'or --auth off to run without authentication anyway.',
    );
  }
  return {
    mode: 'off',
    warnings: [`authentication is off on ${host}: anyone who can reach it can read, write and delete every stream`],
  };
}
