/**
 * Test support: near-valid inputs for any operation of the Kinesis model. A valid input is built
 * from the model's shapes (with small values: a valid CreateStream never asks for thousands of
 * shards), then one to three members — at any depth, say record 3 of a PutRecords — are replaced
 * by hostile values of their type, dropped, or joined by unknown members. Few mutations per
 * input keep most requests past the early checks, so they reach constraints and behaviour.
 */
import fc from 'fast-check';
import type { Shape } from '../protocol/model.js';
import { kinesisModel } from '../services/streams/model.generated.js';
import { type BodyFormat, hostileValue } from './hostile-values.js';

/** Stream names the fuzzer may address. A stream a test protects is never among them. */
export const fuzzStreamNames = ['fuzz-other', 'fuzz-new-1', 'fuzz-new-2', 'fuzz-gone'] as const;

const streamArn = (name: string): string => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`;
const base64Text = fc.uint8Array({ minLength: 1, maxLength: 96 }).map((bytes) => Buffer.from(bytes).toString('base64'));

/** Member shapes whose valid values need more than their constraints say. */
const namedStrings: Readonly<Record<string, fc.Arbitrary<string>>> = {
  StreamName: fc.constantFrom(...fuzzStreamNames),
  StreamARN: fc.constantFrom(...fuzzStreamNames).map(streamArn),
  ResourceARN: fc.constantFrom(...fuzzStreamNames).map(streamArn),
  ConsumerARN: fc.constantFrom(...fuzzStreamNames).map((name) => `${streamArn(name)}/consumer/c:1700000000`),
  ShardId: fc.integer({ min: 0, max: 3 }).map((index) => `shardId-${String(index).padStart(12, '0')}`),
  ShardIterator: fc.uint8Array({ minLength: 40, maxLength: 90 }).map((bytes) => Buffer.from(bytes).toString('base64')),
  NextToken: base64Text,
  SequenceNumber: fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9]\d{0,56}$/)),
  HashKey: fc.bigInt({ min: 0n, max: 2n ** 129n }).map(String),
  StreamId: fc.stringMatching(/^[a-z0-9]{20}-[a-z0-9]{3}$/),
  PartitionKey: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
};

const namedIntegers: Readonly<Record<string, fc.Arbitrary<number>>> = {
  PositiveIntegerObject: fc.integer({ min: 1, max: 3 }),
  RetentionPeriodHours: fc.constantFrom(23, 24, 48, 168, 8760, 8761),
  MaxRecordSizeInKiB: fc.constantFrom(1024, 2048, 10240),
};

function shapeOf(name: string): Shape {
  const shape = kinesisModel.shapes[name];
  if (!shape) throw new Error(`model has no shape ${name}`);
  return shape;
}

function validString(name: string, shape: Extract<Shape, { type: 'string' }>): fc.Arbitrary<string> {
  const named = namedStrings[name];
  if (named) return named;
  if (shape.enum) return fc.constantFrom(...shape.enum);
  const minLength = shape.min ?? 0;
  return fc.string({
    unit: 'grapheme-ascii',
    minLength,
    maxLength: Math.max(minLength, Math.min(shape.max ?? 24, 24)),
  });
}

const validCache = new Map<string, fc.Arbitrary<unknown>>();

/** A valid value for one model shape (valid as far as the model can say). */
export function validValue(name: string, format: BodyFormat): fc.Arbitrary<unknown> {
  const key = `${name}/${format}`;
  let arbitrary = validCache.get(key);
  if (arbitrary === undefined) {
    arbitrary = buildValid(name, format);
    validCache.set(key, arbitrary);
  }
  return arbitrary;
}

function buildValid(name: string, format: BodyFormat): fc.Arbitrary<unknown> {
  const shape = shapeOf(name);
  switch (shape.type) {
    case 'string':
      return validString(name, shape);
    case 'integer':
    case 'long':
      return (
        namedIntegers[name] ??
        fc.integer({ min: shape.min ?? 0, max: Math.max(shape.min ?? 0, Math.min(shape.max ?? 100, 100)) })
      );
    case 'double':
      return fc.double({ min: 0, max: 100, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'timestamp': {
      const seconds = fc.integer({ min: 1_600_000_000, max: 1_900_000_000 });
      return format === 'json'
        ? seconds
        : fc.oneof(
            seconds,
            seconds.map((value) => new Date(value * 1000)),
          );
    }
    case 'blob': {
      const bytes = fc.uint8Array({ maxLength: 64 });
      return format === 'json' ? bytes.map((value) => Buffer.from(value).toString('base64')) : bytes;
    }
    case 'list':
      return fc.array(validValue(shape.member, format), {
        minLength: shape.min ?? 0,
        maxLength: Math.max(shape.min ?? 0, Math.min(shape.max ?? 4, 4)),
      });
    case 'map':
      return fc.dictionary(validValue(shape.key, format) as fc.Arbitrary<string>, validValue(shape.value, format), {
        minKeys: shape.min ?? 0,
        maxKeys: 3,
      });
    case 'structure': {
      const members: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [member, memberShape] of Object.entries(shape.members)) {
        members[member] = validValue(memberShape, format);
      }
      return fc.record(members, { requiredKeys: shape.required ?? [] });
    }
  }
}

type Path = readonly (string | number)[];

/** A place in an input a mutation can hit: a member (present or not), an element, a map value. */
interface Slot {
  readonly path: Path;
  readonly shape: Shape;
  /** Structures take unknown members too. */
  readonly isStructure: boolean;
}

function slotsOf(shapeName: string, value: unknown, path: Path, out: Slot[]): Slot[] {
  const shape = shapeOf(shapeName);
  out.push({ path, shape, isStructure: shape.type === 'structure' });
  if (shape.type === 'structure') {
    const record = (value ?? {}) as Record<string, unknown>;
    for (const [member, memberShape] of Object.entries(shape.members)) {
      slotsOf(memberShape, record[member], [...path, member], out);
    }
  } else if (shape.type === 'list' && Array.isArray(value)) {
    for (const [index, item] of value.entries()) slotsOf(shape.member, item, [...path, index], out);
  } else if (shape.type === 'map' && value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) slotsOf(shape.value, item, [...path, key], out);
  }
  return out;
}

const removed = Symbol('removed');

/** A copy of `root` with the value at `path` replaced (or removed); copies only along the path. */
function withValueAt(root: unknown, path: Path, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = withValueAt(root[head as number], rest, replacement);
    if (next === removed) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  if (root === null || typeof root !== 'object' || root instanceof Uint8Array || root instanceof Date) return root;
  const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
  const next = withValueAt(copy[head], rest, replacement);
  if (next === removed) delete copy[head];
  else Object.defineProperty(copy, head, { value: next, enumerable: true, writable: true, configurable: true });
  return copy;
}

type Mutation = (input: unknown) => unknown;

function mutationsFor(slots: readonly Slot[], format: BodyFormat): fc.Arbitrary<Mutation> {
  // The body as a whole is replaced elsewhere (random documents); here only its members are.
  const members = slots.filter((candidate) => candidate.path.length > 0);
  const structures = slots.filter((candidate) => candidate.isStructure);
  const addUnknown = fc
    .tuple(fc.constantFrom(...structures), fc.string({ maxLength: 12 }), hostileValue(undefined, format))
    .map(
      ([{ path }, name, value]): Mutation =>
        (input) =>
          withValueAt(input, [...path, name], value),
    );
  if (members.length === 0) return addUnknown;
  const slot = fc.constantFrom(...members);
  const replace = slot.chain(({ path, shape }) =>
    hostileValue(shape, format).map(
      (value): Mutation =>
        (input) =>
          withValueAt(input, path, value),
    ),
  );
  const remove = slot.map(
    ({ path }): Mutation =>
      (input) =>
        withValueAt(input, path, removed),
  );
  return fc.oneof(
    { weight: 8, arbitrary: replace },
    { weight: 1, arbitrary: remove },
    { weight: 1, arbitrary: addUnknown },
  );
}

/** A valid input for `inputShape` with zero (now and then) to three mutations. */
export function nearValidInput(inputShape: string, format: BodyFormat): fc.Arbitrary<unknown> {
  return validValue(inputShape, format).chain((valid) => {
    const mutation = mutationsFor(slotsOf(inputShape, valid, [], []), format);
    const mutations = fc.oneof(
      { weight: 1, arbitrary: fc.constant<Mutation[]>([]) },
      { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }) },
      { weight: 3, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
    );
    return mutations.map((chosen) => chosen.reduce<unknown>((input, apply) => apply(input), valid));
  });
}
