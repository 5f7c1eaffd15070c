/**
 * The awsJson 1.1 answer of GetRecords, written straight into one Buffer of its exact size.
 *
 * A 10,000-record answer of 1 KiB records is ~14 MB of JSON. The generic path (toJsonWire, then
 * JSON.stringify, then the string's UTF-8 copy into a Buffer) holds the base64 strings, the JSON
 * string and its Buffer at once and spends most of a drain's CPU doing so. This writer measures
 * the answer first, allocates it once, and writes each member in place: base64 text per record
 * (`toString('base64')`, a short-lived string, copied in as Latin-1), sequence numbers and
 * timestamps as ASCII. The output is byte-for-byte what `JSON.stringify(toJsonWire(output))`
 * gives (get-records-json.test.ts checks it on random answers), so every parser sees the same
 * document: members in the same order, members that are undefined left out, timestamps as epoch
 * seconds with milliseconds (`arrivalMs / 1000`), strings escaped as JSON.stringify escapes them.
 */
import { PiecewiseBody, toJsonWire } from './codec.js';

/** One record of a GetRecords answer, as the operation builds it. */
export interface GetRecordsWireRecord {
  readonly SequenceNumber: string;
  readonly ApproximateArrivalTimestamp: Date;
  readonly Data: Buffer;
  readonly PartitionKey: string;
  readonly EncryptionType?: string | undefined;
}

/** A GetRecords answer: the records, then any other members (written the generic way). */
export interface GetRecordsWireOutput {
  readonly Records: readonly GetRecordsWireRecord[];
  readonly [member: string]: unknown;
}

/**
 * Where the writer reads the records from: the wire records of an output (wireRecordSource), or
 * the operation's own records without a wire object, Date and string per record (get-records.ts).
 * Each must give exactly the values the output's `Records` would hold.
 */
export interface GetRecordsRecordSource {
  readonly count: number;
  /**
   * True when every sequence number is decimal digits only (the shard's own formatter makes them
   * so): they are then written without the escape check, which otherwise runs on each of them.
   */
  readonly plainSequenceNumbers?: boolean;
  sequenceNumber(index: number): string;
  /** ApproximateArrivalTimestamp in milliseconds (NaN for an invalid Date). */
  arrivalMs(index: number): number;
  data(index: number): Buffer;
  partitionKey(index: number): string;
  encryptionType(index: number): string | undefined;
}

export function wireRecordSource(records: readonly GetRecordsWireRecord[]): GetRecordsRecordSource {
  const at = (index: number) => records[index] as GetRecordsWireRecord;
  return {
    count: records.length,
    sequenceNumber: (index) => at(index).SequenceNumber,
    arrivalMs: (index) => at(index).ApproximateArrivalTimestamp.getTime(),
    data: (index) => at(index).Data,
    partitionKey: (index) => at(index).PartitionKey,
    encryptionType: (index) => at(index).EncryptionType,
  };
}

/** Characters JSON.stringify writes as themselves, one byte each: printable ASCII but `"` and `\`. */
const plainJsonText = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const sequencePrefix = '{"SequenceNumber":';
const timestampPrefix = ',"ApproximateArrivalTimestamp":';
const dataPrefix = ',"Data":"';
const partitionKeyPrefix = '",';
const partitionKeyName = '"PartitionKey":';
const encryptionTypeName = ',"EncryptionType":';

/** JSON.stringify of a number: finite numbers as String() writes them, others as null. */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

function base64Bytes(dataBytes: number): number {
  return Math.ceil(dataBytes / 3) * 4;
}

/**
 * A JSON string member's text. Plain text is written as it is (undefined here, nothing allocated);
 * anything else goes through JSON.stringify, which escapes it exactly as the generic path does.
 */
function escapedOrUndefined(text: string): string | undefined {
  return plainJsonText.test(text) ? undefined : JSON.stringify(text);
}

/** Sizes and texts computed by the first pass, used by the second. */
interface Plan {
  /** Each record's sequence number, asked of the source once. */
  readonly sequences: string[];
  /** Per record whose sequence number or partition key is not plain text: their escaped forms. */
  readonly escaped: Map<number, Escaped>;
  /** Bytes of each record's JSON, its leading comma included. */
  readonly recordBytes: Float64Array;
  /** `]`, the members after Records (`,"Name":value`), and the closing `}`. */
  readonly tail: string;
  readonly bytes: number;
}

interface Escaped {
  readonly sequence?: string;
  readonly partitionKey?: string;
  readonly encryptionType?: string;
}

const head = '{"Records":[';

/** The members after Records, in order; undefined ones are left out as the generic path does. */
export type TailMembers = ReadonlyArray<readonly [string, unknown]>;

function plan(source: GetRecordsRecordSource, members: TailMembers): Plan {
  const escaped = new Map<number, Escaped>();
  const sequences: string[] = new Array(source.count);
  const recordBytes = new Float64Array(source.count);
  let bytes = head.length;
  let lastMs = Number.NaN;
  let lastTimestamp = '';
  const plainSequences = source.plainSequenceNumbers === true;
  for (let index = 0; index < source.count; index++) {
    const sequenceNumber = source.sequenceNumber(index);
    sequences[index] = sequenceNumber;
    const partitionKeyText = source.partitionKey(index);
    const encryptionTypeValue = source.encryptionType(index);
    const sequence = plainSequences ? undefined : escapedOrUndefined(sequenceNumber);
    const partitionKey = escapedOrUndefined(partitionKeyText);
    const encryptionType =
      encryptionTypeValue === undefined ? undefined : JSON.stringify(toJsonWire(encryptionTypeValue));
    if (sequence !== undefined || partitionKey !== undefined || encryptionType !== undefined) {
      escaped.set(index, {
        ...(sequence === undefined ? {} : { sequence }),
        ...(partitionKey === undefined ? {} : { partitionKey }),
        ...(encryptionType === undefined ? {} : { encryptionType }),
      });
    }
    const ms = source.arrivalMs(index);
    if (ms !== lastMs) {
      lastMs = ms;
      lastTimestamp = jsonNumber(ms / 1000);
    }
    const size =
      (index > 0 ? 1 : 0) +
      sequencePrefix.length +
      (sequence === undefined ? sequenceNumber.length + 2 : Buffer.byteLength(sequence)) +
      timestampPrefix.length +
      lastTimestamp.length +
      dataPrefix.length +
      base64Bytes(source.data(index).length) +
      partitionKeyPrefix.length +
      partitionKeyName.length +
      (partitionKey === undefined ? partitionKeyText.length + 2 : Buffer.byteLength(partitionKey)) +
      (encryptionType === undefined ? 0 : encryptionTypeName.length + Buffer.byteLength(encryptionType)) +
      1;
    recordBytes[index] = size;
    bytes += size;
  }
  let tail = ']';
  for (const [member, value] of members) {
    if (value === undefined) continue;
    tail += `,${JSON.stringify(member)}:${JSON.stringify(toJsonWire(value))}`;
  }
  tail += '}';
  bytes += Buffer.byteLength(tail);
  return { sequences, escaped, recordBytes, tail, bytes };
}

/**
 * Buffer's own Latin-1 writer (`buffer.latin1Write(text, offset)`, on every Buffer since Node 0.x
 * but not in the typings): `buffer.write(text, offset, 'latin1')` without the argument juggling,
 * which costs as much as the copy for the short texts written here.
 */
type Latin1Write = (this: Buffer, text: string, offset: number) => number;
const latin1Write: Latin1Write =
  (Buffer.prototype as unknown as { latin1Write?: Latin1Write }).latin1Write ??
  function (this: Buffer, text: string, offset: number): number {
    return this.write(text, offset, 'latin1');
  };

/** A constant piece of JSON, copied byte by byte (faster than a native call for a few bytes). */
function constant(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

function put(out: Buffer, position: number, bytes: Uint8Array): number {
  for (let index = 0; index < bytes.length; index++) out[position + index] = bytes[index] as number;
  return position + bytes.length;
}

const recordStart = constant(`${sequencePrefix}"`);
const afterSequence = constant(`"${timestampPrefix}`);
const afterSequenceEscaped = constant(timestampPrefix);
const dataStart = constant(dataPrefix);
const keyStart = constant(`${partitionKeyPrefix}${partitionKeyName}"`);
const keyStartEscaped = constant(`${partitionKeyPrefix}${partitionKeyName}`);
const encryptionTypeStart = constant(encryptionTypeName);

/**
 * Writes one answer in order, piece by piece: each `writeInto` fills a buffer from its start with
 * as many whole parts (the head, a record, the tail) as fit. `byteLength` is known up front.
 * `Records` must be the output's first member (encodeGetRecordsJson checks).
 */
export class GetRecordsJsonWriter {
  readonly byteLength: number;
  /** The largest single part: a piece must hold at least this much. */
  readonly largestPartBytes: number;
  readonly #source: GetRecordsRecordSource;
  readonly #plan: Plan;
  /** -1: the head is next; 0 … n-1: that record; n: the tail; n + 1: done. */
  #next = -1;
  #written = 0;
  #lastMs = Number.NaN;
  #lastTimestamp = '';

  constructor(source: GetRecordsRecordSource, members: TailMembers) {
    this.#source = source;
    this.#plan = plan(source, members);
    this.byteLength = this.#plan.bytes;
    let largest = Math.max(head.length, Buffer.byteLength(this.#plan.tail));
    for (const size of this.#plan.recordBytes) largest = Math.max(largest, size);
    this.largestPartBytes = largest;
  }

  get done(): boolean {
    return this.#next > this.#source.count;
  }

  /** Records copied out so far: the source may forget records before this index. */
  get recordsWritten(): number {
    return Math.min(Math.max(this.#next, 0), this.#source.count);
  }

  /** Fills `out` from its start with whole parts; returns the bytes written (0 once done). */
  writeInto(out: Buffer): number {
    const count = this.#source.count;
    const { escaped, recordBytes, tail } = this.#plan;
    let position = 0;
    if (this.#next === -1) {
      if (out.length < head.length) throw new RangeError('piece smaller than the largest part');
      position += latin1Write.call(out, head, 0);
      this.#next = 0;
    }
    while (this.#next < count) {
      const index = this.#next;
      if (position + (recordBytes[index] as number) > out.length) {
        if (position === 0) throw new RangeError('piece smaller than the largest part');
        return this.#count(position);
      }
      position = this.#writeRecord(out, position, index, escaped.size === 0 ? undefined : escaped.get(index));
      this.#next++;
    }
    if (this.#next === count) {
      const tailBytes = Buffer.byteLength(tail);
      if (position + tailBytes > out.length) {
        if (position === 0) throw new RangeError('piece smaller than the largest part');
        return this.#count(position);
      }
      position += out.write(tail, position, 'utf8');
      this.#next++;
    }
    return this.#count(position);
  }

  #count(bytes: number): number {
    this.#written += bytes;
    if (this.done && this.#written !== this.byteLength) {
      throw new Error(`GetRecords answer measured ${this.byteLength} bytes but wrote ${this.#written}`);
    }
    return bytes;
  }

  #writeRecord(out: Buffer, start: number, index: number, special: Escaped | undefined): number {
    const source = this.#source;
    let position = start;
    if (index > 0) out[position++] = 0x2c; // ,
    if (special?.sequence === undefined) {
      position = put(out, position, recordStart);
      position += latin1Write.call(out, this.#plan.sequences[index] as string, position);
      position = put(out, position, afterSequence);
    } else {
      position += out.write(sequencePrefix, position, 'latin1');
      position += out.write(special.sequence, position, 'utf8');
      position = put(out, position, afterSequenceEscaped);
    }
    const ms = source.arrivalMs(index);
    if (ms !== this.#lastMs) {
      this.#lastMs = ms;
      this.#lastTimestamp = jsonNumber(ms / 1000);
    }
    position += latin1Write.call(out, this.#lastTimestamp, position);
    position = put(out, position, dataStart);
    const data = source.data(index);
    if (data.length > 0) position += latin1Write.call(out, data.toString('base64'), position);
    if (special?.partitionKey === undefined) {
      position = put(out, position, keyStart);
      position += latin1Write.call(out, source.partitionKey(index), position);
      out[position++] = 0x22; // "
    } else {
      position = put(out, position, keyStartEscaped);
      position += out.write(special.partitionKey, position, 'utf8');
    }
    if (special?.encryptionType !== undefined) {
      position = put(out, position, encryptionTypeStart);
      position += out.write(special.encryptionType, position, 'utf8');
    }
    out[position++] = 0x7d; // }
    return position;
  }
}

/** The generic path, for an output this writer does not expect (Records not first). */
function genericJson(output: GetRecordsWireOutput): Buffer {
  return Buffer.from(JSON.stringify(toJsonWire(output)), 'utf8');
}

/** An output's members after Records, or undefined when Records is not its first member. */
function membersAfterRecords(output: GetRecordsWireOutput): TailMembers | undefined {
  const members = Object.entries(output);
  return members[0]?.[0] === 'Records' ? members.slice(1) : undefined;
}

/**
 * The whole answer in one Buffer of its exact size. `Records` comes first, as the operation builds
 * it (otherwise the generic path writes it, since member order must stay the object's); the
 * other members follow in their order.
 */
export function encodeGetRecordsJson(output: GetRecordsWireOutput): Buffer {
  const members = membersAfterRecords(output);
  if (members === undefined) return genericJson(output);
  const writer = new GetRecordsJsonWriter(wireRecordSource(output.Records), members);
  const out = Buffer.allocUnsafe(writer.byteLength);
  writer.writeInto(out);
  return out;
}

/** Answers up to this size are written whole; larger ones in pieces of this size (or one record). */
export const answerPieceBytes = 1024 * 1024;

/**
 * The answer as the front door sends it: small answers as one Buffer; larger ones (a
 * 10,000-record drain is ~14 MB) as a PiecewiseBody sent in 1 MiB pieces, so that the whole
 * answer never exists at once. `onWritten` runs once every record has been copied out.
 */
export function getRecordsJsonBody(output: GetRecordsWireOutput, onWritten: () => void): Buffer | PiecewiseBody {
  const members = membersAfterRecords(output);
  if (members === undefined) {
    const whole = genericJson(output);
    onWritten();
    return whole;
  }
  return sourceJsonBody(wireRecordSource(output.Records), members, onWritten);
}

/**
 * The same from a record source and the members after Records: what
 * `{ Records: <the source's records>, ...members }` gives through the generic path.
 */
export function sourceJsonBody(
  source: GetRecordsRecordSource,
  members: TailMembers,
  onWritten: () => void,
  onProgress?: (recordsWritten: number) => void,
): Buffer | PiecewiseBody {
  const writer = new GetRecordsJsonWriter(source, members);
  if (writer.byteLength <= answerPieceBytes) {
    const whole = Buffer.allocUnsafe(writer.byteLength);
    writer.writeInto(whole);
    onWritten();
    return whole;
  }
  const pieceBytes = Math.max(answerPieceBytes, writer.largestPartBytes);
  return new PiecewiseBody(
    writer.byteLength,
    (piece) => {
      const bytes = writer.writeInto(piece);
      if (writer.done) onWritten();
      else onProgress?.(writer.recordsWritten);
      return bytes;
    },
    pieceBytes,
  );
}
