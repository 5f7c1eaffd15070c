/**
 * `--tls self-signed`: a certificate made on first start with the `openssl` command and kept in
 * the data directory (`tls/self-signed.crt`, `tls/self-signed.key`, the key readable by its owner
 * only), so clients can pin it once. With --in-memory nothing may touch the disk for long: the
 * certificate is made in a temporary directory, read, and the directory removed — a new one
 * each start. openssl rather than a hand-written X.509/DER encoder: it is on every machine that
 * has TLS at all, and a certificate writer is easy to get subtly wrong.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config.js';

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Where the certificate is kept (undefined with --in-memory). */
  readonly certificatePath: string | undefined;
  /** SHA-256 fingerprint, for clients that pin the certificate. */
  readonly fingerprint: string;
}

/** Long enough to matter little, within the 825 days Apple's clients accept. */
export const selfSignedValidityDays = 825;
/** Generating a P-256 key and certificate takes milliseconds; a hung openssl is cut off. */
const opensslWaitMsMax = 30_000;

function subjectAltNames(host: string): string {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', `DNS:${os.hostname()}`]);
  const bare = host.replace(/^\[|\]$/g, '');
  if (bare !== '0.0.0.0' && bare !== '::' && bare !== '') names.add(isIP(bare) ? `IP:${bare}` : `DNS:${bare}`);
  return [...names].join(',');
}

function generate(directory: string, host: string): void {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: opensslWaitMsMax });
  } catch {
    throw new ConfigError(
      '--tls self-signed needs the openssl command to make a certificate (apt-get install openssl), ' +
        'or give your own with --tls-cert and --tls-key',
    );
  }
  const keyPath = path.join(directory, 'self-signed.key');
  const certPath = path.join(directory, 'self-signed.crt');
  // prettier-ignore
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    String(selfSignedValidityDays),
    '-subj',
    '/CN=tributary',
    '-addext',
    `subjectAltName=${subjectAltNames(host)}`,
  ];
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: opensslWaitMsMax });
  } catch (error) {
    const detail = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message;
    throw new ConfigError(`openssl could not make a self-signed certificate: ${detail}`);
  }
  chmodSync(keyPath, 0o600);
}

function material(directory: string, kept: boolean): TlsMaterial {
  const cert = readFileSync(path.join(directory, 'self-signed.crt'));
  const key = readFileSync(path.join(directory, 'self-signed.key'));
  return {
    cert,
    key,
    certificatePath: kept ? path.join(directory, 'self-signed.crt') : undefined,
    fingerprint: new X509Certificate(cert).fingerprint256,
  };
}

/** The server's self-signed certificate: made once per data directory (or per start in memory). */
export function selfSignedCertificate(options: { dataDir: string; inMemory: boolean; host: string }): TlsMaterial {
  if (options.inMemory) {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-tls-'));
    try {
      generate(directory, options.host);
      return material(directory, false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }
  const directory = path.join(options.dataDir, 'tls');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const present =
    existsSync(path.join(directory, 'self-signed.crt')) && existsSync(path.join(directory, 'self-signed.key'));
  if (!present) generate(directory, options.host);
  return material(directory, true);
}
