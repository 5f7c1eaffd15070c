/**
 * Encryption at rest for streams: envelope encryption, as Kinesis does with KMS. Each
 * StartStreamEncryption makes a fresh 256-bit data key, wraps it under the key-ring master key
 * the caller named, and keeps only the wrapped form in the stream's metadata. New batches are
 * sealed under the newest data key (storage/embedded/batch-crypto.ts); every batch names its
 * data key, so batches sealed under older keys, and plain ones from before, stay readable.
 *
 * Wrapping: AES-256-GCM under the master key, random 96-bit nonce, with the stream's internal key
 * and the data key id as additional authenticated data, so a wrapped key copied into another
 * stream (or under another id) does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyLookup, KeyRing, RingKey } from '../../kms/key-ring.js';
import type { AppendOptions, ReadOptions } from '../../storage/ports.js';
import { streamErrors } from './errors.js';
import type { StreamState, WrappedDataKey } from './state.js';

const cipherName = 'aes-256-gcm';
const dataKeyBytes = 32;
const nonceBytes = 12;
const tagBytes = 16;

export class StreamEncryption {
  readonly keyRing: KeyRing;
  readonly #accountId: string;
  /** Unwrapped data keys by `<stream key>/<id>`: unwrapped once, as KMS clients cache data keys. */
  readonly #dataKeys = new Map<string, Buffer>();

  constructor(keyRing: KeyRing, accountId: string) {
    this.keyRing = keyRing;
    this.#accountId = accountId;
  }

  /** Resolves a caller's KeyId to a usable master key, or throws AWS's KMS error. */
  async masterKey(keyIdText: string): Promise<RingKey> {
    return usable(await this.keyRing.resolve(keyIdText));
  }

  /** A fresh data key for the stream, wrapped under `master`; the caller stores it in the stream. */
  createDataKey(stream: StreamState, master: RingKey): WrappedDataKey {
    const id = (stream.dataKeys?.at(-1)?.id ?? 0) + 1;
    const key = randomBytes(dataKeyBytes);
    const nonce = randomBytes(nonceBytes);
    const cipher = createCipheriv(cipherName, master.material, nonce);
    cipher.setAAD(wrappingContext(stream, id));
    const wrapped = Buffer.concat([nonce, cipher.update(key), cipher.final(), cipher.getAuthTag()]);
    this.#dataKeys.set(cacheKey(stream, id), key);
    return { id, masterKeyId: master.keyId, wrapped: wrapped.toString('base64') };
  }

  /** How a batch appended to the stream now is stored: sealed under its newest data key, or plain. */
  appendOptions(stream: StreamState): AppendOptions {
    const newest = stream.dataKeys?.at(-1);
    if (stream.encryptionType !== 'KMS' || newest === undefined) return {};
    return { encryption: { id: newest.id, key: this.#unwrap(stream, newest) } };
  }

  /** What reads of the stream need: its data keys by id (KMS errors propagate to the caller). */
  readOptions(stream: StreamState): ReadOptions {
    return {
      dataKey: (id) => {
        const wrapped = stream.dataKeys?.find((candidate) => candidate.id === id);
        return wrapped === undefined ? undefined : this.#unwrap(stream, wrapped);
      },
    };
  }

  #unwrap(stream: StreamState, wrapped: WrappedDataKey): Buffer {
    const cached = this.#dataKeys.get(cacheKey(stream, wrapped.id));
    if (cached !== undefined) return cached;
    const master = usable(this.keyRing.byKeyId(wrapped.masterKeyId));
    const bytes = Buffer.from(wrapped.wrapped, 'base64');
    let key: Buffer;
    try {
      const decipher = createDecipheriv(cipherName, master.material, bytes.subarray(0, nonceBytes));
      decipher.setAAD(wrappingContext(stream, wrapped.id));
      decipher.setAuthTag(bytes.subarray(bytes.length - tagBytes));
      key = Buffer.concat([decipher.update(bytes.subarray(nonceBytes, bytes.length - tagBytes)), decipher.final()]);
    } catch {
      // The master key's material is not the one the data key was wrapped under (replaced in the
      // configuration), or the metadata was altered.
      throw streamErrors.kmsAccessDenied(this.keyRing.keyArn(master), stream.name, this.#accountId);
    }
    this.#dataKeys.set(cacheKey(stream, wrapped.id), key);
    return key;
  }
}

function usable(lookup: KeyLookup): RingKey {
  if (lookup.kind === 'not-found') throw streamErrors.kmsNotFound(lookup.message);
  if (lookup.kind === 'disabled') throw streamErrors.kmsDisabled(lookup.message);
  return lookup.key;
}

function wrappingContext(stream: StreamState, id: number): Buffer {
  return Buffer.from(`tributary data key ${id} of stream ${stream.key}`, 'utf8');
}

function cacheKey(stream: StreamState, id: number): string {
  return `${stream.key}/${id}`;
}
