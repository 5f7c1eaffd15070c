import { findStream, findStreamIn, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';

/** AWS: "You can successfully apply a new AWS KMS key for server-side encryption 25 times in a rolling 24-hour period." */
export const encryptionStartsPerDayMax = 25;
const rollingDayMs = 24 * 3_600_000;

/**
 * StartStreamEncryption: a new data key, wrapped under the named master key, seals every batch
 * appended from now on (AWS starts encrypting once the stream is ACTIVE again; Tributary does at
 * once, and PutRecord reports per record whether it was encrypted). Older batches keep the key
 * they were written with, or stay plain.
 */
export const startStreamEncryption: Operation = async (context, input) => {
  const { config } = context;
  findStream(context, input);
  if (input.EncryptionType !== 'KMS') throw streamErrors.encryptionTypeNotKms('StartStreamEncryption');
  const stream = findStreamIn(context, input, ['ACTIVE']);
  const nowMs = context.clock();
  const recentStartsMs = (stream.encryptionUpdatesMs ?? []).filter((startMs) => nowMs - startMs < rollingDayMs);
  if (recentStartsMs.length >= encryptionStartsPerDayMax) {
    throw streamErrors.encryptionKeyUpdatesExceeded(stream.name, config.accountId, encryptionStartsPerDayMax);
  }
  const keyId = input.KeyId as string;
  const master = await context.encryption.masterKey(keyId);
  // Re-read after the await: the stream may have been deleted or changed meanwhile.
  const current = findStreamIn(context, input, ['ACTIVE']);
  const dataKey = context.encryption.createDataKey(current, master);
  current.dataKeys = [...(current.dataKeys ?? []), dataKey];
  current.encryptionType = 'KMS';
  current.keyId = keyId;
  current.encryptionUpdatesMs = [...recentStartsMs, nowMs];
  current.status = 'UPDATING';
  current.pending = { atMs: nowMs + config.updateStreamMs, to: 'ACTIVE' };
  await context.registry.save(current);
  return {};
};
