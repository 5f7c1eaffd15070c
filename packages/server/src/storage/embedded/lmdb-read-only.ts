/**
 * Reads MetaStore entries straight from an LMDB environment opened read-only, for offline tools
 * (`tributary verify`): no write transaction, no database created. LMDB still opens its lock
 * file (`lock.mdb`) to register the reader, as every LMDB reader does, which is also what makes
 * reading safe while a server has the environment open.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { entriesDatabaseName } from './lmdb-meta-store.js';

/** Every entry whose key starts with `prefix`, in key order; throws when there is no environment. */
export async function readMetaEntriesReadOnly(
  metaDirectory: string,
  prefix: string,
): Promise<Array<{ key: string; value: unknown }>> {
  // lmdb creates a missing directory even when read-only: look first.
  if (!existsSync(path.join(metaDirectory, 'data.mdb'))) {
    throw new Error(`no LMDB environment at ${metaDirectory} (data.mdb is missing)`);
  }
  const root = open({ path: metaDirectory, readOnly: true });
  try {
    const entries = root.openDB<unknown, string>({ name: entriesDatabaseName, encoding: 'json', useVersions: true });
    const found: Array<{ key: string; value: unknown }> = [];
    for (const entry of entries.getRange({ start: prefix })) {
      if (!entry.key.startsWith(prefix)) break;
      found.push({ key: entry.key, value: entry.value });
    }
    return found;
  } finally {
    await root.close();
  }
}
