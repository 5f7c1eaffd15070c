/**
 * Test support: a `--kms-keys` file with one enabled and one disabled key, as a user would write
 * it, in its own temporary directory (removed by `remove`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testAccountId, testRegion } from './stream-lifecycle.js';

export const enabledKeyId = '4f1e5a7b-0c2d-4e8f-9a1b-2c3d4e5f6a7b';
export const enabledAlias = 'alias/orders-key';
export const disabledKeyId = '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a';
export const disabledAlias = 'alias/retired-key';

export function kmsKeyArn(keyId: string): string {
  return `arn:aws:kms:${testRegion}:${testAccountId}:key/${keyId}`;
}

export function kmsAliasArn(alias: string): string {
  return `arn:aws:kms:${testRegion}:${testAccountId}:${alias}`;
}

export interface KmsKeysFile {
  readonly path: string;
  remove(): void;
}

export function writeKmsKeysFile(): KmsKeysFile {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tributary-kms-'));
  const file = path.join(directory, 'kms-keys.json');
  const keys = [
    { keyId: enabledKeyId, aliases: [enabledAlias], material: randomBytes(32).toString('base64') },
    { keyId: disabledKeyId, aliases: [disabledAlias], enabled: false, material: randomBytes(32).toString('base64') },
  ];
  writeFileSync(file, JSON.stringify({ keys }, null, 2));
  return { path: file, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
