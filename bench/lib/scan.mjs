/**
 * Reading a few fields of a large GetRecords answer without JSON.parse: a 10,000-record answer is
 * about 14 MB of JSON, and parsing it in the load generator would take the CPU the server needs on
 * this 2-core machine. Record data is base64 and partition keys are hex, so the quoted key names
 * cannot occur inside values.
 */
const sequenceKey = Buffer.from('"SequenceNumber"');

/** How many records a GetRecords answer holds (one SequenceNumber per record). */
export function recordCount(body) {
  let count = 0;
  for (let at = body.indexOf(sequenceKey); at !== -1; at = body.indexOf(sequenceKey, at + sequenceKey.length)) count++;
  return count;
}

/** The string value of a top-level key such as "NextShardIterator", or null if absent or null. */
export function stringField(body, key) {
  const quotedKey = Buffer.from(`"${key}"`);
  const at = body.lastIndexOf(quotedKey);
  if (at === -1) return null;
  let index = at + quotedKey.length;
  while (index < body.length && (body[index] === 0x20 || body[index] === 0x3a)) index++;
  if (body[index] !== 0x22) return null;
  const end = body.indexOf(0x22, index + 1);
  return end === -1 ? null : body.toString('latin1', index + 1, end);
}

/** The numeric value of a top-level key such as "MillisBehindLatest", or null. */
export function numberField(body, key) {
  const quotedKey = Buffer.from(`"${key}"`);
  const at = body.lastIndexOf(quotedKey);
  if (at === -1) return null;
  const match = /^\s*:\s*(-?\d+)/.exec(body.toString('latin1', at + quotedKey.length, at + quotedKey.length + 40));
  return match ? Number(match[1]) : null;
}
