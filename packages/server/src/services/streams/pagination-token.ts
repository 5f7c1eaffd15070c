/**
 * NextToken values (ListStreams, ListShards, …) are opaque, sealed with the service's key so that
 * they cannot be forged, and expire like AWS's after five minutes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const nextTokenLifetimeMs = 300_000;

export function sealToken(key: Buffer, payload: Record<string, unknown>): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
}

export function openToken(key: Buffer, token: string): Record<string, unknown> | undefined {
  const sealed = Buffer.from(token, 'base64url');
  if (sealed.length < 12 + 16 + 2) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const plain = Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    const value: unknown = JSON.parse(plain.toString('utf8'));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
