/**
 * The order in which AWS's validation layer (Coral, in Java) lists things in a ValidationException.
 * Coral keeps both a structure's members and an enum's values in Java hash maps, so the order of
 * violations and of "enum value set: […]" is a hash-table iteration order, not the model's order.
 *
 * Reproduced from kinesalite's recordings of the real service (mhart/kinesalite test/*.js):
 * - members: a Java 7 HashMap keyed by the lower-camel member name (default capacity 16, Java 7's
 *   supplemental hash, a new entry put at the head of its bucket) — this predicts every recorded
 *   multi-member order, e.g. CreateStream `shardCount` before `streamName`, DescribeStream
 *   `limit`, `exclusiveStartShardId`, `streamName`, PutRecords entries `partitionKey`,
 *   `explicitHashKey`, `data`, GetShardIterator `shardId`, `shardIteratorType`,
 *   `startingSequenceNumber`, `streamName`;
 * - enum values: buckets by the bare `String.hashCode() & (capacity - 1)`, which predicts
 *   `[AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]`.
 */

/** java.util.HashMap's default capacity and load factor. */
const hashCapacityDefault = 16;
const hashLoadFactor = 0.75;

/** java.lang.String#hashCode over UTF-16 code units, as an unsigned 32-bit number. */
export function javaStringHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) {
    hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  }
  return hash >>> 0;
}

/** Java 7 HashMap's supplemental hash, which spreads the low bits before bucketing. */
function java7Spread(hash: number): number {
  const mixed = (hash ^ (hash >>> 20) ^ (hash >>> 12)) >>> 0;
  return (mixed ^ (mixed >>> 7) ^ (mixed >>> 4)) >>> 0;
}

function capacityFor(count: number): number {
  let capacity = hashCapacityDefault;
  while (count > capacity * hashLoadFactor) capacity *= 2;
  return capacity;
}

/** Sorts by bucket index, keeping the given order inside a bucket (Array.prototype.sort is stable). */
function byBucket<T>(items: readonly T[], bucketOf: (item: T) => number): T[] {
  return items
    .map((item, index) => ({ item, index, bucket: bucketOf(item) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map(({ item }) => item);
}

const memberOrderCache = new Map<string, string[]>();

/** Member names (in model order) in the order Coral checks and reports them. */
export function coralMemberOrder(members: readonly string[]): string[] {
  const cacheKey = members.join('\u0000');
  const cached = memberOrderCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const mask = capacityFor(members.length) - 1;
  // Java 7 puts a new entry at the head of its bucket: the last declared comes first.
  const reversed = [...members].reverse();
  const ordered = byBucket(reversed, (member) => java7Spread(javaStringHash(lowerFirst(member))) & mask);
  memberOrderCache.set(cacheKey, ordered);
  return ordered;
}

const enumOrderCache = new Map<string, string[]>();

/** Enum values (in model order) in the order Coral prints them in "enum value set: […]". */
export function coralEnumOrder(values: readonly string[]): string[] {
  const cacheKey = values.join('\u0000');
  const cached = enumOrderCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const mask = capacityFor(values.length) - 1;
  const ordered = byBucket(values, (value) => javaStringHash(value) & mask);
  enumOrderCache.set(cacheKey, ordered);
  return ordered;
}

export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}
