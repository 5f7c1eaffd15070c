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

/** Parses a request body; returns undefined when it is not a well-formed document. */
export function decodeBody(body: Buffer, format: WireFormat): unknown {
  try {
    if (format === 'cbor') return cborDecoder.decode(body);
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Converts Buffers and Dates into their JSON wire forms (without JSON.stringify's toJSON hooks). */
function toJsonWire(value: unknown): unknown {
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

export function encodeBody(value: unknown, format: WireFormat): Buffer {
  if (format === 'cbor') return Buffer.from(cborEncoder.encode(stripUndefined(value)));
  return Buffer.from(JSON.stringify(toJsonWire(value)), 'utf8');
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
