/**
 * A minimal, strict protocol-buffers codec: just what the KPL aggregated record format needs
 * (varints, length-delimited fields) plus skipping of unknown fields of every wire type, so a
 * newer producer's extra fields do not break us. Truncated or malformed input throws
 * `ProtobufError`; nothing is ever read past the end of the input.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/
 */

export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

export const wireTypeVarint = 0;
export const wireTypeFixed64 = 1;
export const wireTypeLengthDelimited = 2;
export const wireTypeStartGroup = 3;
export const wireTypeEndGroup = 4;
export const wireTypeFixed32 = 5;

/** A 64-bit varint takes at most ten bytes (protobuf's limit). */
const varintBytesMax = 10;
/** Groups nest; a bound keeps a hostile input from recursing without end. */
const groupDepthMax = 64;

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** The number of bytes the varint encoding of a non-negative safe integer takes. */
export function varintSizeBytes(value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint value out of range: ${value}`);
  let sizeBytes = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    sizeBytes++;
  }
  return sizeBytes;
}

/** The size of a length-delimited field (tag of one byte, for field numbers up to 15). */
export function lengthDelimitedFieldSizeBytes(payloadSizeBytes: number): number {
  return 1 + varintSizeBytes(payloadSizeBytes) + payloadSizeBytes;
}

/** The UTF-8 size of a string without encoding it. */
export function utf8SizeBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Writes into a buffer of a size computed beforehand; writing past its end is a programmer error. */
export class ProtobufWriter {
  readonly bytes: Uint8Array;
  #offset: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.bytes = bytes;
    this.#offset = offset;
  }

  get offset(): number {
    return this.#offset;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint value out of range: ${value}`);
    let rest = value;
    while (rest >= 0x80) {
      this.#byte((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.#byte(rest);
  }

  tag(fieldNumber: number, wireType: number): void {
    this.varint(fieldNumber * 8 + wireType);
  }

  /** A length-delimited field holding raw bytes. */
  bytesField(fieldNumber: number, value: Uint8Array): void {
    this.tag(fieldNumber, wireTypeLengthDelimited);
    this.varint(value.length);
    this.raw(value);
  }

  stringField(fieldNumber: number, value: string): void {
    this.bytesField(fieldNumber, utf8Encoder.encode(value));
  }

  varintField(fieldNumber: number, value: number): void {
    this.tag(fieldNumber, wireTypeVarint);
    this.varint(value);
  }

  raw(value: Uint8Array): void {
    if (this.#offset + value.length > this.bytes.length) throw new RangeError('protobuf writer overflow');
    this.bytes.set(value, this.#offset);
    this.#offset += value.length;
  }

  #byte(value: number): void {
    if (this.#offset >= this.bytes.length) throw new RangeError('protobuf writer overflow');
    this.bytes[this.#offset++] = value;
  }
}

export interface FieldHeader {
  readonly fieldNumber: number;
  readonly wireType: number;
}

/** Reads a message from `bytes[start, end)`. Every read checks the bounds. */
export class ProtobufReader {
  readonly #bytes: Uint8Array;
  #offset: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) throw new RangeError('protobuf reader bounds');
    this.#bytes = bytes;
    this.#offset = start;
    this.#end = end;
  }

  get done(): boolean {
    return this.#offset >= this.#end;
  }

  /**
   * A varint as a number: exact up to 2^53 - 1; larger (valid 64-bit) values come back as
   * `Infinity`, which no caller accepts as an index or a length. Use `varintBigInt` for the value.
   */
  varint(): number {
    let value = 0;
    let multiplier = 1;
    for (let index = 0; index < varintBytesMax; index++) {
      const byte = this.#byte();
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (index === varintBytesMax - 1 && byte > 1) throw new ProtobufError('varint exceeds 64 bits');
        return value <= Number.MAX_SAFE_INTEGER ? value : Number.POSITIVE_INFINITY;
      }
      multiplier *= 0x80;
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** A varint as an exact unsigned 64-bit bigint. */
  varintBigInt(): bigint {
    let value = 0n;
    for (let index = 0; index < varintBytesMax; index++) {
      const byte = this.#byte();
      value |= BigInt(byte & 0x7f) << BigInt(7 * index);
      if ((byte & 0x80) === 0) {
        if (index === varintBytesMax - 1 && byte > 1) throw new ProtobufError('varint exceeds 64 bits');
        return value;
      }
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  /** The next field's tag, or undefined at the end of the message. */
  fieldHeader(): FieldHeader | undefined {
    if (this.done) return undefined;
    const tag = this.varint();
    if (!Number.isFinite(tag)) throw new ProtobufError('field tag out of range');
    const fieldNumber = Math.floor(tag / 8);
    const wireType = tag % 8;
    // Field numbers run from 1 to 2^29 - 1 (protobuf's limit).
    if (fieldNumber < 1 || fieldNumber > 0x1fffffff) throw new ProtobufError(`invalid field number ${fieldNumber}`);
    return { fieldNumber, wireType };
  }

  /** A length-delimited payload, as a view into the input (no copy). */
  lengthDelimited(): Uint8Array {
    const length = this.varint();
    if (length > this.#end - this.#offset) throw new ProtobufError('length-delimited field runs past the end');
    const start = this.#offset;
    this.#offset += length;
    return this.#bytes.subarray(start, start + length);
  }

  /** Protobuf strings are UTF-8; like protobuf-java for proto2, invalid sequences become U+FFFD. */
  string(): string {
    return utf8Decoder.decode(this.lengthDelimited());
  }

  /** Skips the value of a field whose header was just read. */
  skip(header: FieldHeader, depth = 0): void {
    switch (header.wireType) {
      case wireTypeVarint:
        this.varintBigInt();
        return;
      case wireTypeFixed64:
        this.#advance(8);
        return;
      case wireTypeLengthDelimited:
        this.lengthDelimited();
        return;
      case wireTypeFixed32:
        this.#advance(4);
        return;
      case wireTypeStartGroup:
        this.#skipGroup(header.fieldNumber, depth);
        return;
      default:
        throw new ProtobufError(`unexpected wire type ${header.wireType} for field ${header.fieldNumber}`);
    }
  }

  #skipGroup(fieldNumber: number, depth: number): void {
    if (depth >= groupDepthMax) throw new ProtobufError('groups nested too deeply');
    for (;;) {
      const inner = this.fieldHeader();
      if (inner === undefined) throw new ProtobufError('group not closed');
      if (inner.wireType === wireTypeEndGroup) {
        if (inner.fieldNumber !== fieldNumber) throw new ProtobufError('mismatched end group');
        return;
      }
      this.skip(inner, depth + 1);
    }
  }

  #advance(count: number): void {
    if (count > this.#end - this.#offset) throw new ProtobufError('fixed-width field runs past the end');
    this.#offset += count;
  }

  #byte(): number {
    if (this.#offset >= this.#end) throw new ProtobufError('truncated varint');
    return this.#bytes[this.#offset++] as number;
  }
}
