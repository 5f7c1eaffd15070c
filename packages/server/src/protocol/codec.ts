/**
 * Wire codecs for the AWS RPC protocols: awsJson 1.1 and its CBOR twin (what the Java SDKs, KCL and
 * Flink send). Operations produce plain objects whose blobs are Buffers and whose timestamps are
 * Dates; the codec writes them as base64 strings / epoch seconds (JSON) or byte strings / tag 1
 * (CBOR), which is what the SDKs' parsers expect.
 */
import { Decoder, Encoder } from 'cbor-x';
import type { WireFormat } from './validate.js';

export const jsonContentType = 'application/x-amz-json-1.1';
export const cborContentType = 'application/x-amz-cbor-1.1';

// Options measured to interoperate with the AWS SDK's own CBOR codec (@smithy/core/cbor):
// plain maps (no cbor-x "records" extension) and untagged byte strings.
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});
const cborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });
// cbor-x renames a `__proto__` key to `__proto_` when it builds objects (its guard against
// prototype pollution), which would turn a valid tag key into another one. Bodies holding those
// bytes anywhere (rare: a data blob may) are decoded into Maps and converted here instead.
const cborMapDecoder = new Decoder({ useRecords: false, mapsAsObjects: false });
const protoKeyBytes = Buffer.from('__proto__', 'latin1');

/** Maps into plain objects whose keys are own data properties, `__proto__` included. */
function mapsToObjects(value: unknown): unknown {
  if (value instanceof Map) {
    const result: Record<string, unknown> = {};
    for (const [key, item] of value) {
      Object.defineProperty(result, String(key), {
        value: mapsToObjects(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }
  if (Array.isArray(value)) return value.map(mapsToObjects);
  return value;
}

/** Parses a request body; returns undefined when it is not a well-formed document. */
export function decodeBody(body: Buffer, format: WireFormat): unknown {
  try {
    if (format === 'cbor') {
      if (body.includes(protoKeyBytes)) return mapsToObjects(cborMapDecoder.decode(body));
      return cborDecoder.decode(body);
    }
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Converts Buffers and Dates into their JSON wire forms (without JSON.stringify's toJSON hooks). */
export function toJsonWire(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toJsonWire);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) result[key] = toJsonWire(item);
  }
  return result;
}

const jsonWriterKey = Symbol('jsonWriter');

type JsonWriter<T> = (value: T) => Buffer | PiecewiseBody;

/**
 * Gives an output object its own JSON writer (GetRecords: protocol/get-records-json.ts), which
 * must write exactly what the generic path below would. The mark is a non-enumerable symbol:
 * the CBOR path, in-process callers and deep comparisons see the plain object.
 */
export function withJsonWriter<T extends object>(value: T, writer: JsonWriter<T>): T {
  Object.defineProperty(value, jsonWriterKey, { value: writer, enumerable: false });
  return value;
}

interface JsonWritable {
  readonly [jsonWriterKey]?: JsonWriter<unknown>;
}

function jsonWriterOf(value: unknown): JsonWriter<unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as JsonWritable)[jsonWriterKey] : undefined;
}

/** An answer body as one Buffer. */
export function encodeBody(value: unknown, format: WireFormat): Buffer {
  const answer = encodeAnswer(value, format);
  return answer instanceof PiecewiseBody ? answer.toBuffer() : answer;
}

/**
 * An answer body as the front door sends it: one Buffer, or for large answers with their own
 * writer a PiecewiseBody, written to the connection piece by piece.
 */
export function encodeAnswer(value: unknown, format: WireFormat): Buffer | PiecewiseBody {
  if (format === 'cbor') return Buffer.from(cborEncoder.encode(stripUndefined(value)));
  const writer = jsonWriterOf(value);
  if (writer !== undefined) return writer(value);
  return Buffer.from(JSON.stringify(toJsonWire(value)), 'utf8');
}

/** What a PiecewiseBody writes to: an HTTP/1.1 or HTTP/2 response. */
export interface PieceSink {
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean;
  end(): void;
  destroy(): void;
}

/** Spare pieces of `piecePoolBytes` each, shared by every answer (at most `piecesPooledMax` kept). */
const piecePoolBytes = 1024 * 1024;
const piecesPooledMax = 8;
const sparePieces: Buffer[] = [];

function takePiece(bytes: number): Buffer {
  if (bytes === piecePoolBytes) {
    const spare = sparePieces.pop();
    if (spare !== undefined) return spare;
  }
  return Buffer.allocUnsafeSlow(bytes);
}

function givePiece(piece: Buffer): void {
  if (piece.length === piecePoolBytes && sparePieces.length < piecesPooledMax) sparePieces.push(piece);
}

/**
 * A body of known length that a writer produces in order, piece by piece (`fill` writes the next
 * bytes at the start of the piece it is given and returns how many; never more than fit). Sent
 * with at most two pieces in flight, each reused once the connection has taken it: a 14 MB
 * GetRecords answer costs 2 MiB at a time instead of 14 MB at once.
 */
export class PiecewiseBody {
  #started = false;

  constructor(
    readonly byteLength: number,
    private readonly fill: (piece: Buffer) => number,
    private readonly pieceBytes: number,
  ) {}

  /** The whole body in one Buffer (for callers that need one; the front door uses writeTo). */
  toBuffer(): Buffer {
    this.#start();
    const whole = Buffer.allocUnsafe(this.byteLength);
    let position = 0;
    while (position < this.byteLength) {
      const bytes = this.fill(whole.subarray(position));
      if (bytes === 0) throw new Error(`piecewise body ended at ${position} of ${this.byteLength} bytes`);
      position += bytes;
    }
    return whole;
  }

  /**
   * Writes the body, then ends the sink. A failed write stops it (the connection is gone); a
   * writer that fails mid-body destroys the sink, since its length was promised already.
   */
  writeTo(sink: PieceSink): void {
    this.#start();
    const spare = [takePiece(this.pieceBytes), takePiece(this.pieceBytes)];
    let written = 0;
    let stopped = false;
    let pumping = false;
    const pump = (): void => {
      if (pumping) return;
      pumping = true;
      try {
        while (!stopped && written < this.byteLength && spare.length > 0) {
          const piece = spare.pop() as Buffer;
          let bytes: number;
          try {
            bytes = this.fill(piece);
            if (bytes === 0) throw new Error(`piecewise body ended at ${written} of ${this.byteLength} bytes`);
          } catch (error) {
            stopped = true;
            console.error('tributary: writing an answer failed', error);
            sink.destroy();
            return;
          }
          written += bytes;
          sink.write(piece.subarray(0, bytes), (error) => {
            // After an error the connection may still hold the piece: left to the garbage collector.
            if (error != null) {
              stopped = true;
              return;
            }
            if (written < this.byteLength) {
              spare.push(piece);
              pump();
            } else {
              givePiece(piece);
            }
          });
          if (written >= this.byteLength) {
            for (const unused of spare.splice(0)) givePiece(unused);
            sink.end();
          }
        }
      } finally {
        pumping = false;
      }
    };
    pump();
  }

  #start(): void {
    if (this.#started) throw new Error('a piecewise body is written once');
    this.#started = true;
  }
}

function stripUndefined(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Date) {
    return value;
  }
  if (Array.isArray(value)) return value.map(stripUndefined);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) result[key] = stripUndefined(item);
  }
  return result;
}
