import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ServiceError, serializationError } from './service-error.js';
import { checkBase64 } from './validate.js';

/** checkBase64 as it was before the round trip moved first (regex on every record). */
function previousCheckBase64(text: string): Buffer {
  const prefix = `'${text}' can not be converted to a Blob: `;
  if (text.length % 4 !== 0) {
    throw serializationError(
      `${prefix}Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`,
    );
  }
  const bad = /[^a-zA-Z0-9+/=]|=[^=]/.exec(text);
  if (bad) throw serializationError(`${prefix}Invalid Base64 character: '${bad[0][0]}'`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw serializationError(`${prefix}Invalid last non-pad Base64 character dectected`);
  }
  return bytes;
}

type Outcome = { bytes: Buffer } | { type: string; message: string; body: Record<string, string> };

function outcomeOf(check: (text: string) => Buffer, text: string): Outcome {
  try {
    return { bytes: check(text) };
  } catch (error) {
    assert.ok(error instanceof ServiceError, 'only ServiceErrors escape');
    return { type: error.type, message: error.message, body: error.toBody() };
  }
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const nearAlphabet = `${alphabet}====-_ .\n\r\t%*é€🔑\u0000\u0141\u0161\u012f\u0100\u00ff`;

/** Valid base64 of random bytes, then damaged in one of the ways clients get it wrong. */
const damaged = fc
  .record({
    bytes: fc.uint8Array({ maxLength: 64 }),
    at: fc.nat(),
    character: fc.constantFrom(...Array.from(nearAlphabet)),
    how: fc.constantFrom('replace', 'insert', 'delete', 'unpad', 'urlsafe', 'twin', 'none'),
  })
  .map(({ bytes, at, character, how }) => {
    const text = Buffer.from(bytes).toString('base64');
    const index = text.length === 0 ? 0 : at % text.length;
    switch (how) {
      case 'replace':
        return text.slice(0, index) + character + text.slice(index + 1);
      case 'insert':
        return text.slice(0, index) + character + text.slice(index);
      case 'delete':
        return text.slice(0, index) + text.slice(index + 1);
      case 'unpad':
        return text.replace(/=+$/, '');
      case 'twin':
        // The same low byte in a wider character: Node's decoder would read it as the letter.
        return text.length === 0
          ? text
          : text.slice(0, index) + String.fromCharCode(text.charCodeAt(index) + 0x100) + text.slice(index + 1);
      case 'urlsafe':
        return text.replaceAll('+', '-').replaceAll('/', '_');
      default:
        return text;
    }
  });

const texts = fc.oneof(
  damaged,
  fc.string({ unit: fc.constantFrom(...Array.from(nearAlphabet)), maxLength: 24 }),
  // Lengths that pass the first check, so the character and trailing-bit checks are reached.
  fc.string({ unit: fc.constantFrom(...Array.from(`${alphabet}=`)), maxLength: 6 }).map((text) => text.repeat(4)),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ maxLength: 16 }),
);

describe('checkBase64', () => {
  it('accepts and rejects exactly what the previous check did, with the same errors', () => {
    fc.assert(
      fc.property(texts, (text) => {
        assert.deepEqual(outcomeOf(checkBase64, text), outcomeOf(previousCheckBase64, text));
      }),
      { seed: 3, numRuns: 5000 },
    );
  });

  it('names each kind of error', () => {
    const message = (text: string) => (outcomeOf(checkBase64, text) as { message: string }).message;
    assert.equal(
      message('abc'),
      "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
    );
    assert.equal(message('ab-d'), "'ab-d' can not be converted to a Blob: Invalid Base64 character: '-'");
    assert.equal(message('a=bc'), "'a=bc' can not be converted to a Blob: Invalid Base64 character: '='");
    assert.equal(
      message('QR=='),
      "'QR==' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
    );
    // Characters whose low byte is a base64 letter (Ł is U+0141: 0x41 is 'A') are not base64.
    assert.equal(message('QUJŁ'), "'QUJŁ' can not be converted to a Blob: Invalid Base64 character: 'Ł'");
    assert.equal(message('QU_D'), "'QU_D' can not be converted to a Blob: Invalid Base64 character: '_'");
    assert.equal(message('QQ=A'), "'QQ=A' can not be converted to a Blob: Invalid Base64 character: '='");
    assert.equal(message('QU D'), "'QU D' can not be converted to a Blob: Invalid Base64 character: ' '");
    assert.deepEqual(checkBase64(''), Buffer.alloc(0));
    assert.deepEqual(checkBase64('AAEC/w=='), Buffer.from([0, 1, 2, 255]));
  });
});
