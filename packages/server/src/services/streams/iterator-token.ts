/**
 * Shard iterators are opaque to clients and cannot be forged or altered: the position is sealed
 * with AES-256-GCM under a key kept in the metadata store (so iterators survive a restart).
 *
 * Plaintext: u8 version | u64 issuedMs | u64 offset | u32 shardIndex | u64 streamCreatedMs | name.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const tokenVersion = 1;
const nonceBytes = 12;
const tagBytes = 16;
const fixedBytes = 1 + 8 + 8 + 4 + 8;

export interface IteratorPosition {
  readonly streamName: string;
  readonly streamCreatedMs: number;
  readonly shardIndex: number;
  readonly offset: number;
  readonly issuedMs: number;
}

export function sealIterator(key: Buffer, position: IteratorPosition): string {
  const name = Buffer.from(position.streamName, 'utf8');
  const plain = Buffer.alloc(fixedBytes + name.length);
  plain.writeUInt8(tokenVersion, 0);
  plain.writeBigUInt64BE(BigInt(position.issuedMs), 1);
  plain.writeBigUInt64BE(BigInt(position.offset), 9);
  plain.writeUInt32BE(position.shardIndex, 17);
  plain.writeBigUInt64BE(BigInt(position.streamCreatedMs), 21);
  name.copy(plain, fixedBytes);
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const sealed = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64');
}

/** Returns undefined for anything that is not an iterator this key sealed. */
export function openIterator(key: Buffer, token: string): IteratorPosition | undefined {
  const sealed = Buffer.from(token, 'base64');
  if (sealed.length < nonceBytes + fixedBytes + tagBytes || sealed.toString('base64') !== token) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, nonceBytes));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    const plain = Buffer.concat([
      decipher.update(sealed.subarray(nonceBytes, sealed.length - tagBytes)),
      decipher.final(),
    ]);
    if (plain.readUInt8(0) !== tokenVersion) return undefined;
    return {
      issuedMs: Number(plain.readBigUInt64BE(1)),
      offset: Number(plain.readBigUInt64BE(9)),
      shardIndex: plain.readUInt32BE(17),
      streamCreatedMs: Number(plain.readBigUInt64BE(21)),
      streamName: plain.subarray(fixedBytes).toString('utf8'),
    };
  } catch {
    return undefined;
  }
}
