/**
 * Test support: fast-check arbitraries for the hostile values a fuzzer swaps into an input member
 * (wrong types, nulls, huge strings, deep nesting, numbers out of range, NaN, invalid base64,
 * invalid UTF-8, odd CBOR items), chosen by the member's model type.
 *
 * JSON bodies are written by `jsonBytes`, which emits `RawJson` pieces verbatim so that a value
 * can hold what JSON.stringify cannot write: 1e400, 20-digit integers, lone surrogates, invalid
 * UTF-8 bytes inside a string, 5,000 levels of nesting.
 */
import { Tag } from 'cbor-x';
import fc from 'fast-check';
import type { Shape } from '../protocol/model.js';

export type BodyFormat = 'json' | 'cbor';

/** Bytes copied into a JSON body as they are. */
export class RawJson {
  constructor(readonly bytes: Buffer) {}
  static of(text: string): RawJson {
    return new RawJson(Buffer.from(text, 'utf8'));
  }
}

/** Serialises a value to JSON, copying RawJson pieces verbatim. */
export function jsonBytes(value: unknown): Buffer {
  const pieces: Buffer[] = [];
  const write = (item: unknown): void => {
    if (item instanceof RawJson) pieces.push(item.bytes);
    else if (Array.isArray(item)) {
      pieces.push(Buffer.from('['));
      item.forEach((element, index) => {
        if (index > 0) pieces.push(Buffer.from(','));
        write(element);
      });
      pieces.push(Buffer.from(']'));
    } else if (item !== null && typeof item === 'object') {
      pieces.push(Buffer.from('{'));
      Object.entries(item).forEach(([key, element], index) => {
        pieces.push(Buffer.from(`${index > 0 ? ',' : ''}${JSON.stringify(key)}:`));
        write(element);
      });
      pieces.push(Buffer.from('}'));
    } else {
      pieces.push(Buffer.from(JSON.stringify(item) ?? 'null'));
    }
  };
  write(value);
  return replaceInvalidUtf8Marks(Buffer.concat(pieces));
}

/**
 * Invalid UTF-8 goes in by substitution: generated strings hold U+E000 (three bytes, EE 80 80),
 * and the encoded body has each of those replaced with three invalid bytes — the length stays the
 * same, so a CBOR text string header stays right.
 */
export const invalidUtf8Mark = '\uE000';
const markBytes = Buffer.from(invalidUtf8Mark, 'utf8');
const invalidUtf8Triples = [
  [0xff, 0xfe, 0xfd], // bytes that never occur in UTF-8
  [0xed, 0xa0, 0x80], // an encoded surrogate
  [0xc0, 0xaf, 0x41], // an overlong '/'
  [0xe2, 0x82, 0x41], // a truncated sequence
  [0x80, 0x80, 0x80], // lone continuation bytes
] as const;

export function replaceInvalidUtf8Marks(bytes: Buffer): Buffer {
  const result = Buffer.from(bytes);
  let at = result.indexOf(markBytes);
  for (let count = 0; at !== -1; count++) {
    const triple = invalidUtf8Triples[count % invalidUtf8Triples.length] ?? invalidUtf8Triples[0];
    result.set(triple, at);
    at = result.indexOf(markBytes, at + markBytes.length);
  }
  return result;
}

function deepJson(depth: number, asObject: boolean): RawJson {
  const open = asObject ? '{"a":' : '[';
  const close = asObject ? '}' : ']';
  return RawJson.of(`${open.repeat(depth)}1${close.repeat(depth)}`);
}

function deepArray(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

/**
 * Megabyte strings are slow to echo back in a ValidationException; keep them rare. They stay
 * under the 1 MiB body limit of control-plane operations: a refused HTTP/1.1 body closes the
 * connection while the client may still be writing, and the reset can overtake the 413 (which
 * bad-input.test.ts checks with a client that reads as it writes).
 */
const hugeString = fc.integer({ min: 10_000, max: 900_000 }).map((length) => 'x'.repeat(length));

const jsonNumbers = fc
  .constantFrom(
    '1e400',
    '-1e400',
    '2147483648',
    '-2147483649',
    '9007199254740993',
    '123456789012345678901234567890',
    '-9223372036854775809',
    '-0',
    '1e-400',
    '1E2',
    '0',
    '-1',
    '1.5',
    '0.999',
  )
  .map(RawJson.of);
/** Grouped so that NaN and the infinities, which only CBOR can carry, come up as often as the rest. */
const cborNumbers = fc.oneof(
  fc.constant<unknown>(Number.NaN),
  fc.constantFrom<unknown>(Infinity, -Infinity),
  fc.constantFrom<unknown>(-0, 1.5, 0.999, 0, -1),
  fc.constantFrom<unknown>(2 ** 31, -(2 ** 31) - 1, 1e20, 2n ** 64n - 1n, -(2n ** 64n), 2n ** 53n + 1n),
);
const cborDates = fc.constantFrom<unknown>(
  new Date(0),
  new Date(8.64e15),
  new Date(-8.64e15),
  new Date(Number.NaN),
  new Tag('garbage', 1),
  new Tag(Number.NaN, 1),
  new Tag(-1e300, 1),
  new Tag('not a date', 0),
  new Tag('2020-01-01T00:00:00Z', 0),
);
const oddStrings = fc.constantFrom(
  '',
  ' ',
  'x'.repeat(129),
  'k'.repeat(257),
  '\u0000',
  invalidUtf8Mark,
  `a${invalidUtf8Mark}b`,
  '\u{1F600}'.repeat(200),
  `shardId-000000000000${invalidUtf8Mark}`,
  '../../etc/passwd',
  'fuzz-other\n',
  'shardId-99999999999999999999',
  '340282366920938463463374607431768211456',
);
const loneSurrogates = fc.constantFrom('"\\ud800"', '"\\udfff\\ud800"', '"a\\udc00"').map(RawJson.of);
const badBase64 = fc.constantFrom('abc', 'a===', 'ab!d', '====', 'YQ=', 'YR==', 'Y Q==', `${invalidUtf8Mark}AAA`);
const wrongTypes = fc.constantFrom<unknown>(null, true, false, 0, 'x', [], {}, [null], { a: 1 }, ['x', 2]);
const bigList = fc.array(fc.string({ maxLength: 4 }), { minLength: 501, maxLength: 520 });
const bigMap = fc.constant(Object.fromEntries(Array.from({ length: 201 }, (_, index) => [`k${index}`, 'v'])));
const protoKey = fc.constant(JSON.parse('{"__proto__":"x","constructor":"y"}') as unknown);

/** Values of the member's own type that break it: the mutations most likely to reach deep code. */
function sameTypeHostile(shape: Shape, format: BodyFormat): fc.Arbitrary<unknown> {
  const json = format === 'json';
  switch (shape.type) {
    case 'integer':
    case 'long':
    case 'double':
      return json ? jsonNumbers : cborNumbers;
    case 'timestamp':
      return json ? jsonNumbers : fc.oneof(cborNumbers, cborDates);
    case 'string':
      return json ? fc.oneof(oddStrings, loneSurrogates) : fc.oneof(oddStrings, fc.uint8Array({ maxLength: 16 }));
    case 'blob':
      return json ? badBase64 : fc.oneof(oddStrings, cborNumbers);
    case 'boolean':
      return fc.constantFrom<unknown>('true', 'TRUE', 'no', 1, 0);
    case 'list':
      return fc.oneof(bigList, fc.constantFrom<unknown>([], [null], [[1]], [{}], { a: 1 }));
    case 'map':
      return fc.oneof(bigMap, protoKey, fc.constantFrom<unknown>({}, { a: null }, { a: 1 }, { '': '' }, []));
    case 'structure':
      return fc.constantFrom<unknown>('x', 1, [], [{}], true);
  }
}

/** Structure breakers for any member: deep nesting, random documents, CBOR tags. */
function structuralHostile(format: BodyFormat): fc.Arbitrary<unknown> {
  if (format === 'json') {
    return fc.oneof(
      fc.tuple(fc.integer({ min: 50, max: 5_000 }), fc.boolean()).map(([depth, asObject]) => deepJson(depth, asObject)),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 64 }),
    );
  }
  return fc.oneof(
    fc.integer({ min: 50, max: 1_000 }).map(deepArray),
    fc.anything({ maxDepth: 2 }),
    fc.constantFrom<unknown>(undefined, new Map<unknown, unknown>([[1, 'a']]), new Set(['a'])),
    fc
      .tuple(
        fc.constantFrom(2, 3, 4, 5, 21, 24, 25, 27, 28, 29, 32, 258, 259, 55799, 64, 72, 85, 1000),
        fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.constantFrom(['Error', 'x'], ['RegExp', 'a+'])),
      )
      .map(([tag, value]) => new Tag(value, tag)),
  );
}

/** A hostile value for a member of `shape` (any member when `shape` is undefined). */
export function hostileValue(shape: Shape | undefined, format: BodyFormat): fc.Arbitrary<unknown> {
  const anyMember = [
    { weight: 5, arbitrary: wrongTypes },
    { weight: 4, arbitrary: structuralHostile(format) },
    { weight: 1, arbitrary: hugeString },
  ];
  if (shape === undefined) return fc.oneof(...anyMember);
  return fc.oneof({ weight: 12, arbitrary: sameTypeHostile(shape, format) }, ...anyMember);
}
