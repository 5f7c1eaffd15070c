import { findStream, findStreamIn, type Operation } from '../context.js';
import { streamErrors } from '../errors.js';

/**
 * StopStreamEncryption: batches appended from now on are stored plain. The stream keeps its data
 * keys, so everything sealed before stays readable. The KeyId is required by the model but not
 * checked against the stream's key (AWS's check, if any, is not recorded).
 */
export const stopStreamEncryption: Operation = async (context, input) => {
  findStream(context, input);
  if (input.EncryptionType !== 'KMS') throw streamErrors.encryptionTypeNotKms('StopStreamEncryption');
  const stream = findStreamIn(context, input, ['ACTIVE']);
  stream.encryptionType = 'NONE';
  delete stream.keyId;
  stream.status = 'UPDATING';
  stream.pending = { atMs: context.clock() + context.config.updateStreamMs, to: 'ACTIVE' };
  await context.registry.save(stream);
  return {};
};
