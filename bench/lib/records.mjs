/**
 * Request bodies built once, before any clock starts, from a seeded PRNG, so every system receives
 * the same bytes and the load generator only cycles through ready Buffers while measuring.
 */

/** mulberry32: a small, fast, seedable 32-bit generator (not cryptographic, which is the point). */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random, sizeBytes) {
  const bytes = Buffer.allocUnsafe(sizeBytes);
  for (let index = 0; index < sizeBytes; index += 4) {
    const word = (random() * 4294967296) >>> 0;
    bytes[index] = word & 0xff;
    if (index + 1 < sizeBytes) bytes[index + 1] = (word >>> 8) & 0xff;
    if (index + 2 < sizeBytes) bytes[index + 2] = (word >>> 16) & 0xff;
    if (index + 3 < sizeBytes) bytes[index + 3] = word >>> 24;
  }
  return bytes;
}

/** A random 16-hex-digit partition key, so MD5 routing spreads records over every shard. */
function partitionKey(random) {
  return randomBytes(random, 8).toString('hex');
}

/** `count` PutRecords bodies of `recordsPerCall` records of `recordBytes` random bytes each. */
export function putRecordsBodies(options) {
  const random = seededRandom(options.seed);
  const bodies = [];
  for (let bodyIndex = 0; bodyIndex < options.count; bodyIndex++) {
    const records = [];
    for (let recordIndex = 0; recordIndex < options.recordsPerCall; recordIndex++) {
      records.push({
        Data: randomBytes(random, options.recordBytes).toString('base64'),
        PartitionKey: partitionKey(random),
      });
    }
    bodies.push(Buffer.from(JSON.stringify({ StreamName: options.streamName, Records: records })));
  }
  return bodies;
}

/** `count` PutRecord bodies of one `recordBytes`-byte record each. */
export function putRecordBodies(options) {
  const random = seededRandom(options.seed);
  const bodies = [];
  for (let index = 0; index < options.count; index++) {
    const data = randomBytes(random, options.recordBytes).toString('base64');
    bodies.push(
      Buffer.from(JSON.stringify({ StreamName: options.streamName, Data: data, PartitionKey: partitionKey(random) })),
    );
  }
  return bodies;
}

/**
 * The same records as putRecordsBodies, as the AWS SDK takes them (Uint8Array data), for the SDK
 * run: the SDK does its own serialization, which is part of what that run measures.
 */
export function sdkRecordBatches(options) {
  const random = seededRandom(options.seed);
  const batches = [];
  for (let batchIndex = 0; batchIndex < options.count; batchIndex++) {
    const records = [];
    for (let recordIndex = 0; recordIndex < options.recordsPerCall; recordIndex++) {
      records.push({ Data: randomBytes(random, options.recordBytes), PartitionKey: partitionKey(random) });
    }
    batches.push(records);
  }
  return batches;
}
