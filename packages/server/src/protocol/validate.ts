/**
 * Input checking in AWS's order, driven by the official API model:
 *   1. types (wrong JSON/CBOR type → SerializationException, with Coral's wording), which also
 *      turns wire values into internal ones (base64 → Buffer, epoch seconds → milliseconds);
 *   2. constraints (null, pattern, length, range, enum → one ValidationException listing at most
 *      ten violations: "N validation errors detected: Value '…' at '…' failed to satisfy …").
 * Unknown members are ignored, as AWS ignores them.
 */
import { createHash } from 'node:crypto';
import { coralEnumOrder, coralMemberOrder, lowerFirst } from './coral-order.js';
import type { ApiModel, Shape } from './model.js';
import { type ServiceError, serializationError, validationError } from './service-error.js';

export type WireFormat = 'json' | 'cbor';

const violationsListedMax = 10;

function shapeOf(model: ApiModel, name: string): Shape {
  const shape = model.shapes[name];
  if (!shape) throw new Error(`model has no shape ${name}`);
  return shape;
}

function describeType(value: unknown): 'boolean' | 'number' | 'string' | 'list' | 'map' | 'bytes' | 'date' {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number' || typeof value === 'bigint') return 'number';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Uint8Array) return 'bytes';
  if (value instanceof Date) return 'date';
  return 'map';
}

const numberClass = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';

function mismatch(actual: ReturnType<typeof describeType>, target: string): ServiceError {
  switch (actual) {
    case 'boolean':
      return serializationError(`class java.lang.Boolean can not be converted to ${target}`);
    case 'number':
      return serializationError(`${numberClass} can not be converted to ${target}`);
    case 'string':
      return serializationError(`class java.lang.String can not be converted to ${target}`);
    case 'list':
      return serializationError('Start of list found where not expected');
    default:
      return serializationError('Start of structure or map found where not expected.');
  }
}

/** Coral's wording for a value of the right type that still has no meaning (as for `'TRUE'` → Boolean). */
function notConvertible(value: unknown, target: string): ServiceError {
  return serializationError(`'${String(value)}' can not be converted to ${target}`);
}

/**
 * Base64 text → bytes, with Coral's errors for text that is not base64. The round trip decides:
 * Node's encoder writes only the alphabet with padding at the end, so text that survives
 * decode → encode unchanged is valid, and the regular expression (the costly part on 1 KiB
 * records: 9 % of PutRecords' main thread) only runs for text that did not, to name its error as
 * before: length, then a bad character, then bad trailing bits. (Skipping the second encoding by
 * checking length, alphabet and last group instead measured no faster: decoding dominates.)
 */
export function checkBase64(text: string): Buffer {
  if (text.length % 4 === 0) {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.toString('base64') === text) return bytes;
  }
  return base64Error(text);
}

function base64Error(text: string): never {
  const prefix = `'${text}' can not be converted to a Blob: `;
  if (text.length % 4 !== 0) {
    throw serializationError(
      `${prefix}Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`,
    );
  }
  const bad = /[^a-zA-Z0-9+/=]|=[^=]/.exec(text);
  if (bad) throw serializationError(`${prefix}Invalid Base64 character: '${bad[0][0]}'`);
  throw serializationError(`${prefix}Invalid last non-pad Base64 character dectected`);
}

function toNumber(value: number | bigint): number {
  return typeof value === 'bigint' ? Number(value) : value;
}

function convert(model: ApiModel, shape: Shape, value: unknown, format: WireFormat): unknown {
  const actual = describeType(value);
  switch (shape.type) {
    case 'boolean':
      if (actual === 'boolean') return value;
      if (actual === 'string') {
        throw serializationError(`'${String(value).toUpperCase()}' can not be converted to an Boolean`);
      }
      if (actual === 'number') throw serializationError(`${numberClass} can not be converted to an Boolean`);
      throw mismatch(actual, 'an Boolean');
    case 'integer':
    case 'long':
    case 'double': {
      const javaName = shape.type === 'integer' ? 'Integer' : shape.type === 'long' ? 'Long' : 'Double';
      if (actual !== 'number') throw mismatch(actual, `an ${javaName}`);
      const number = toNumber(value as number | bigint);
      if (shape.type === 'double') return number;
      // Only CBOR can carry NaN. No whole number holds it, and past this point it would slip through
      // every range check (NaN < 1 is false) into the operations: a stream with NaN shards.
      if (Number.isNaN(number)) throw notConvertible(value, `an ${javaName}`);
      const whole = Math.floor(number);
      return shape.type === 'integer' ? Math.min(whole, 2147483647) : whole;
    }
    case 'string':
      if (actual !== 'string') throw mismatch(actual, 'an String');
      return value;
    case 'blob':
      if (actual === 'bytes') return Buffer.from(value as Uint8Array);
      if (actual === 'string') {
        if (format === 'json') return checkBase64(value as string);
        return Buffer.from(value as string, 'utf8');
      }
      throw mismatch(actual, 'a Blob');
    case 'timestamp': {
      if (actual !== 'date' && actual !== 'number') throw mismatch(actual, 'milliseconds since epoch');
      const ms = actual === 'date' ? (value as Date).getTime() : toNumber(value as number | bigint) * 1000;
      // CBOR can carry NaN, and a tag-1 or tag-0 date that is not a date (cbor-x: Invalid Date).
      if (Number.isNaN(ms)) throw notConvertible(value, 'milliseconds since epoch');
      return ms;
    }
    case 'list': {
      if (actual !== 'list') {
        if (actual === 'map') throw serializationError('Start of structure or map found where not expected.');
        throw serializationError('Expected list or null');
      }
      const member = shapeOf(model, shape.member);
      return (value as unknown[]).map((item) => (item == null ? null : convert(model, member, item, format)));
    }
    case 'map': {
      if (actual === 'list') throw serializationError('Start of list found where not expected');
      if (actual !== 'map') throw serializationError('Expected map or null');
      const valueShape = shapeOf(model, shape.value);
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        // defineProperty, not assignment: a key such as `__proto__` (a valid tag key) stays a key.
        const converted = item == null ? null : convert(model, valueShape, item, format);
        Object.defineProperty(result, key, { value: converted, enumerable: true, writable: true, configurable: true });
      }
      return result;
    }
    case 'structure': {
      if (actual === 'list') throw serializationError('Start of list found where not expected');
      if (actual !== 'map') throw serializationError('Expected null');
      return convertStructure(model, shape, value as Record<string, unknown>, format);
    }
  }
}

function convertStructure(
  model: ApiModel,
  shape: Extract<Shape, { type: 'structure' }>,
  value: Record<string, unknown>,
  format: WireFormat,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [member, shapeName] of Object.entries(shape.members)) {
    const item = value[member];
    if (item == null) continue;
    result[member] = convert(model, shapeOf(model, shapeName), item, format);
  }
  return result;
}

/** Step 1: type checks and conversion of one operation's input. */
export function convertInput(
  model: ApiModel,
  inputShape: string | null,
  body: unknown,
  format: WireFormat,
): Record<string, unknown> {
  if (inputShape === null) return {};
  const shape = shapeOf(model, inputShape);
  if (shape.type !== 'structure') throw new Error(`input shape ${inputShape} is not a structure`);
  if (body === null || typeof body !== 'object' || Array.isArray(body) || body instanceof Uint8Array) {
    throw serializationError();
  }
  return convertStructure(model, shape, body as Record<string, unknown>, format);
}

function javaObjectName(shapeName: string, value: unknown): string {
  const hash = createHash('md5')
    .update(JSON.stringify(value ?? null))
    .digest('hex')
    .slice(0, 8);
  return `com.amazonaws.kinesis.v20131202.${shapeName}@${hash}`;
}

function renderValue(model: ApiModel, shape: Shape, value: unknown): string {
  if (value == null) return 'null';
  switch (shape.type) {
    case 'blob': {
      const length = (value as Buffer).length;
      return `java.nio.HeapByteBuffer[pos=0 lim=${length} cap=${length}]`;
    }
    case 'list': {
      const member = shapeOf(model, shape.member);
      const items = (value as unknown[]).map((item) =>
        member.type === 'structure' ? javaObjectName(shape.member, item) : renderValue(model, member, item),
      );
      return `[${items.join(', ')}]`;
    }
    case 'map': {
      const valueShape = shapeOf(model, shape.value);
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([key, item]) => `${key}=${renderValue(model, valueShape, item)}`,
      );
      return `{${entries.join(', ')}}`;
    }
    case 'structure':
      return javaObjectName('Object', value);
    case 'timestamp':
      return new Date(value as number).toString();
    default:
      return String(value);
  }
}

const patternCache = new Map<string, RegExp>();

/** Model patterns are whole-value Java regular expressions. */
function compiledPattern(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (compiled === undefined) {
    compiled = new RegExp(`^(?:${pattern})$`);
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

/** The constraints one scalar value breaks, in AWS's wording. */
function scalarViolations(shape: Shape, value: unknown): string[] {
  const found: string[] = [];
  if (shape.type === 'string') {
    const text = value as string;
    if (shape.pattern !== undefined && !compiledPattern(shape.pattern).test(text)) {
      found.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    if (shape.min !== undefined && text.length < shape.min) {
      found.push(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && text.length > shape.max) {
      found.push(`Member must have length less than or equal to ${shape.max}`);
    }
    if (shape.enum !== undefined && !shape.enum.includes(text)) {
      found.push(`Member must satisfy enum value set: [${coralEnumOrder(shape.enum).join(', ')}]`);
    }
  } else if (shape.type === 'integer' || shape.type === 'long' || shape.type === 'double') {
    const number = value as number;
    if (shape.min !== undefined && number < shape.min) {
      found.push(`Member must have value greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && number > shape.max) {
      found.push(`Member must have value less than or equal to ${shape.max}`);
    }
  } else if (shape.type === 'blob' || shape.type === 'list' || shape.type === 'map') {
    const length = shape.type === 'map' ? Object.keys(value as object).length : (value as { length: number }).length;
    if (shape.min !== undefined && length < shape.min) {
      found.push(`Member must have length greater than or equal to ${shape.min}`);
    }
    if (shape.max !== undefined && length > shape.max) {
      found.push(`Member must have length less than or equal to ${shape.max}`);
    }
  }
  return found;
}

/** All constraints of a scalar member shape, as AWS lists them for collection members. */
function describeConstraints(shape: Shape): string[] {
  const all: string[] = [];
  if (shape.type === 'string' || shape.type === 'blob') {
    if (shape.max !== undefined) all.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined) all.push(`Member must have length greater than or equal to ${shape.min}`);
  }
  if (shape.type === 'string' && shape.pattern !== undefined) {
    all.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  }
  if (shape.type === 'string' && shape.enum !== undefined) {
    all.push(`Member must satisfy enum value set: [${coralEnumOrder(shape.enum).join(', ')}]`);
  }
  return all;
}

class Violations {
  readonly messages: string[] = [];
  add(model: ApiModel, shape: Shape, value: unknown, path: string, constraint: string): void {
    if (this.messages.length >= violationsListedMax) return;
    const rendered = value == null ? 'null' : `'${renderValue(model, shape, value)}'`;
    this.messages.push(`Value ${rendered} at '${path}' failed to satisfy constraint: ${constraint}`);
  }
}

function checkValue(model: ApiModel, shapeName: string, value: unknown, path: string, out: Violations): void {
  const shape = shapeOf(model, shapeName);
  for (const message of scalarViolations(shape, value)) out.add(model, shape, value, path, message);
  if (shape.type === 'structure') {
    checkStructure(model, shape, value as Record<string, unknown>, path, out);
  } else if (shape.type === 'list') {
    const member = shapeOf(model, shape.member);
    const items = value as unknown[];
    if (member.type === 'structure') {
      items.forEach((item, index) => {
        if (item != null)
          checkStructure(model, member, item as Record<string, unknown>, `${path}.${index + 1}.member`, out);
      });
    } else if (items.some((item) => item == null || scalarViolations(member, item).length > 0)) {
      const constraints = items.some((item) => item == null)
        ? ['Member must not be null']
        : describeConstraints(member);
      out.add(model, shape, value, path, `Member must satisfy constraint: [${constraints.join(', ')}]`);
    }
  } else if (shape.type === 'map') {
    const keyShape = shapeOf(model, shape.key);
    const valueShape = shapeOf(model, shape.value);
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.some(([key]) => scalarViolations(keyShape, key).length > 0)) {
      out.add(
        model,
        shape,
        value,
        path,
        `Map keys must satisfy constraint: [${describeConstraints(keyShape).join(', ')}]`,
      );
    }
    if (entries.some(([, item]) => item == null || scalarViolations(valueShape, item).length > 0)) {
      out.add(
        model,
        shape,
        value,
        path,
        `Map value must satisfy constraint: [${describeConstraints(valueShape).join(', ')}]`,
      );
    }
  }
}

function checkStructure(
  model: ApiModel,
  shape: Extract<Shape, { type: 'structure' }>,
  value: Record<string, unknown>,
  path: string,
  out: Violations,
): void {
  const required = shape.required ?? [];
  // Coral reports members in its hash-map order, not the model's (see coral-order.ts).
  for (const member of coralMemberOrder(Object.keys(shape.members))) {
    const shapeName = shape.members[member] as string;
    const memberPath = path === '' ? lowerFirst(member) : `${path}.${lowerFirst(member)}`;
    const item = value[member];
    if (item == null) {
      if (required.includes(member)) {
        out.add(model, shapeOf(model, shapeName), null, memberPath, 'Member must not be null');
      }
      continue;
    }
    checkValue(model, shapeName, item, memberPath, out);
  }
}

/** Step 2: constraint checks; throws one ValidationException listing what is wrong. */
export function checkConstraints(model: ApiModel, inputShape: string | null, input: Record<string, unknown>): void {
  if (inputShape === null) return;
  const shape = shapeOf(model, inputShape);
  if (shape.type !== 'structure') return;
  const violations = new Violations();
  checkStructure(model, shape, input, '', violations);
  const count = violations.messages.length;
  if (count > 0) {
    throw validationError(
      `${count} validation error${count > 1 ? 's' : ''} detected: ${violations.messages.join('; ')}`,
    );
  }
}
