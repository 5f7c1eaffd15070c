/**
 * The local key ring: Tributary's stand-in for AWS KMS. It holds 256-bit master keys, each with a
 * key id (a UUID, as KMS makes them) and any aliases, and resolves the four ways AWS accepts a
 * key (key id, key ARN, alias name, alias ARN). Master keys only ever wrap data keys; records are
 * sealed under the data keys (services/streams/stream-encryption.ts).
 *
 * Two sources, merged at start-up (a key id or alias in both is a configuration error):
 * - `<dataDir>/keyring.json`, created on first use with the AWS-managed key `alias/aws/kinesis`
 *   (which therefore always exists), written atomically (temporary file, fsync, rename);
 * - keys given in configuration (`--kms-keys FILE`), never written anywhere.
 * With `--in-memory` the ring lives in memory only. The file format is in docs/storage-format.md.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';

/** KMS symmetric keys are AES-256. */
export const masterKeyBytes = 32;
/** The key Kinesis uses when a caller names `alias/aws/kinesis`; AWS creates it on first use. */
export const kinesisManagedAlias = 'alias/aws/kinesis';
const keyRingFormatVersion = 1;
/** KMS key ids: a UUID, or `mrk-` and 32 hex digits for multi-Region keys. */
const keyIdPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;
/** KMS alias names: `alias/` then letters, digits, `/`, `_`, `-` (at most 256 characters in all). */
const aliasPattern = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;
/** Aliases under `alias/aws/` are reserved for AWS-managed keys. */
const reservedAliasPrefix = 'alias/aws/';
const kmsArnPattern = /^arn:aws[a-z-]*:kms:([^:]*):([^:]*):(key|alias)\/(.+)$/;

export interface RingKey {
  readonly keyId: string;
  readonly aliases: readonly string[];
  readonly enabled: boolean;
  readonly material: Buffer;
  readonly source: 'data-dir' | 'config';
}

/** What a key id resolves to. Messages are KMS's wording for the same miss. */
export type KeyLookup =
  | { readonly kind: 'found'; readonly key: RingKey }
  | { readonly kind: 'not-found'; readonly message: string }
  | { readonly kind: 'disabled'; readonly key: RingKey; readonly message: string };

/** A key ring file or configuration that cannot be used; the server refuses to start. */
export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

export interface KeyRingOptions {
  readonly region: string;
  readonly accountId: string;
  /** `<dataDir>/keyring.json`; undefined keeps the ring in memory. */
  readonly file?: string;
  /** Keys from the configuration (`--kms-keys`), in the key ring file's JSON format. */
  readonly configuredFile?: string;
  readonly clock?: () => number;
}

/** One key in a key ring JSON file. */
interface KeyEntryJson {
  keyId: string;
  aliases?: string[];
  enabled?: boolean;
  /** 32 bytes, base64. */
  material: string;
  createdMs?: number;
  description?: string;
}

interface KeyRingJson {
  formatVersion?: number;
  keys: KeyEntryJson[];
}

export class KeyRing {
  readonly #options: KeyRingOptions;
  readonly #byId = new Map<string, RingKey>();
  readonly #byAlias = new Map<string, RingKey>();
  /** The entries of the data-directory file, as written. */
  readonly #stored: KeyEntryJson[];
  #creatingManaged: Promise<RingKey> | undefined;

  private constructor(options: KeyRingOptions, stored: KeyEntryJson[], configured: KeyEntryJson[]) {
    this.#options = options;
    this.#stored = stored;
    for (const entry of stored) this.#add(entry, 'data-dir', options.file ?? 'key ring');
    for (const entry of configured) this.#add(entry, 'config', options.configuredFile ?? 'configuration');
  }

  /** Loads the data-directory file (when it exists) and the configured keys. */
  static open(options: KeyRingOptions): KeyRing {
    const stored = options.file === undefined ? [] : (readKeyRingFile(options.file, true)?.keys ?? []);
    const configured = options.configuredFile === undefined ? [] : readConfiguredKeys(options.configuredFile);
    return new KeyRing(options, stored, configured);
  }

  keyArn(key: RingKey): string {
    return `arn:aws:kms:${this.#options.region}:${this.#options.accountId}:key/${key.keyId}`;
  }

  /** The key with this key id (the form data keys record their master key by). */
  byKeyId(keyId: string): KeyLookup {
    const key = this.#byId.get(keyId);
    if (key === undefined) return { kind: 'not-found', message: `Key '${this.#keyArnOf(keyId)}' does not exist` };
    return this.#usable(key);
  }

  /**
   * Resolves a KeyId as AWS accepts it: `1234abcd-…` (key id), `arn:aws:kms:…:key/…`,
   * `alias/name`, or `arn:aws:kms:…:alias/name`. ARNs of another region or account name no key
   * here. Naming `alias/aws/kinesis` creates the AWS-managed key on first use.
   */
  async resolve(text: string): Promise<KeyLookup> {
    const arn = kmsArnPattern.exec(text);
    if (arn !== null) {
      const [, region, account, kind, name = ''] = arn;
      const local = region === this.#options.region && account === this.#options.accountId;
      if (kind === 'alias') return local ? this.#resolveAlias(`alias/${name}`, text) : aliasMissing(text);
      return local && keyIdPattern.test(name)
        ? this.byKeyId(name)
        : { kind: 'not-found', message: `Key '${text}' does not exist` };
    }
    if (text.startsWith('alias/')) return this.#resolveAlias(text, this.#aliasArnOf(text));
    if (keyIdPattern.test(text)) return this.byKeyId(text);
    return { kind: 'not-found', message: `Invalid keyId '${text}'` };
  }

  async #resolveAlias(alias: string, shownAs: string): Promise<KeyLookup> {
    const key = this.#byAlias.get(alias) ?? (alias === kinesisManagedAlias ? await this.#managedKey() : undefined);
    return key === undefined ? aliasMissing(shownAs) : this.#usable(key);
  }

  #usable(key: RingKey): KeyLookup {
    if (key.enabled) return { kind: 'found', key };
    return { kind: 'disabled', key, message: `${this.keyArn(key)} is disabled.` };
  }

  /** Creates `alias/aws/kinesis` once, and persists it before anything is sealed under it. */
  #managedKey(): Promise<RingKey> {
    this.#creatingManaged ??= (async () => {
      const entry: KeyEntryJson = {
        keyId: randomUUID(),
        aliases: [kinesisManagedAlias],
        enabled: true,
        material: randomBytes(masterKeyBytes).toString('base64'),
        createdMs: (this.#options.clock ?? Date.now)(),
        description: 'Default key that protects my Kinesis data when no other key is defined',
      };
      if (this.#options.file !== undefined) {
        await writeKeyRingFile(this.#options.file, {
          formatVersion: keyRingFormatVersion,
          keys: [...this.#stored, entry],
        });
      }
      this.#stored.push(entry);
      return this.#add(entry, 'data-dir', 'key ring');
    })();
    // A failed write is not remembered: the next use tries again.
    this.#creatingManaged.catch(() => {
      this.#creatingManaged = undefined;
    });
    return this.#creatingManaged;
  }

  #add(entry: KeyEntryJson, source: RingKey['source'], origin: string): RingKey {
    const key = parseEntry(entry, source, origin);
    if (this.#byId.has(key.keyId)) throw new KeyRingError(`${origin}: key ${key.keyId} is defined twice`);
    for (const alias of key.aliases) {
      if (this.#byAlias.has(alias)) throw new KeyRingError(`${origin}: alias ${alias} names two keys`);
    }
    this.#byId.set(key.keyId, key);
    for (const alias of key.aliases) this.#byAlias.set(alias, key);
    return key;
  }

  #keyArnOf(keyId: string): string {
    return `arn:aws:kms:${this.#options.region}:${this.#options.accountId}:key/${keyId}`;
  }

  #aliasArnOf(alias: string): string {
    return `arn:aws:kms:${this.#options.region}:${this.#options.accountId}:${alias}`;
  }
}

function aliasMissing(aliasArn: string): KeyLookup {
  return { kind: 'not-found', message: `Alias ${aliasArn} is not found.` };
}

function parseEntry(entry: KeyEntryJson, source: RingKey['source'], origin: string): RingKey {
  const where = `${origin}: key ${JSON.stringify(entry?.keyId)}`;
  if (entry === null || typeof entry !== 'object') throw new KeyRingError(`${origin}: every key must be an object`);
  if (typeof entry.keyId !== 'string' || !keyIdPattern.test(entry.keyId)) {
    throw new KeyRingError(`${where}: keyId must be a lowercase UUID (or mrk- and 32 hex digits)`);
  }
  const aliases = entry.aliases ?? [];
  if (!Array.isArray(aliases) || aliases.some((alias) => typeof alias !== 'string' || !aliasPattern.test(alias))) {
    throw new KeyRingError(`${where}: aliases must be names like alias/my-key`);
  }
  if (source === 'config' && aliases.some((alias) => alias.startsWith(reservedAliasPrefix))) {
    throw new KeyRingError(`${where}: aliases under ${reservedAliasPrefix} are reserved for AWS-managed keys`);
  }
  if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') {
    throw new KeyRingError(`${where}: enabled must be true or false`);
  }
  const material = typeof entry.material === 'string' ? Buffer.from(entry.material, 'base64') : Buffer.alloc(0);
  if (material.length !== masterKeyBytes || material.toString('base64') !== entry.material) {
    throw new KeyRingError(`${where}: material must be ${masterKeyBytes} bytes in base64 (openssl rand -base64 32)`);
  }
  return { keyId: entry.keyId, aliases: [...aliases], enabled: entry.enabled ?? true, material, source };
}

function readKeyRingFile(file: string, missingIsEmpty: boolean): KeyRingJson | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (missingIsEmpty && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KeyRingError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new KeyRingError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const json = parsed as Partial<KeyRingJson> | null;
  if (json === null || typeof json !== 'object' || !Array.isArray(json.keys)) {
    throw new KeyRingError(`${file} must hold an object with a "keys" array`);
  }
  if (json.formatVersion !== undefined && json.formatVersion !== keyRingFormatVersion) {
    throw new KeyRingError(
      `${file} has formatVersion ${String(json.formatVersion)}; this server reads ${keyRingFormatVersion}`,
    );
  }
  return { keys: json.keys };
}

function readConfiguredKeys(file: string): KeyEntryJson[] {
  return (readKeyRingFile(file, false) as KeyRingJson).keys;
}

/** Replaces the file atomically: a crash leaves the old ring or the new one, never half of one. */
async function writeKeyRingFile(file: string, json: KeyRingJson): Promise<void> {
  assert.ok(json.keys.length > 0, 'a written key ring holds at least the managed key');
  const directory = path.dirname(file);
  await fs.mkdir(directory, { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(json, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
  const directoryHandle = await fs.open(directory, 'r');
  try {
    await directoryHandle.sync();
  } finally {
    await directoryHandle.close();
  }
}
