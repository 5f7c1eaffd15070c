/** Refused requests are logged, a flood is summarised, and no line carries a secret. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createFailureLog } from './failure-log.js';

describe('the refused-request log', () => {
  test('writes at most the limit per window, then how many it left out', () => {
    let now = 0;
    const lines: string[] = [];
    const log = createFailureLog({
      linesPerWindowMax: 3,
      windowMs: 1000,
      write: (line) => lines.push(line),
      clock: () => now,
    });
    for (let index = 0; index < 10; index++)
      log.record({ remoteAddress: '10.0.0.1', operation: 'PutRecord', errorType: 'InvalidSignatureException' });
    assert.equal(lines.length, 3);
    now = 1500;
    log.record({ remoteAddress: '10.0.0.1', operation: 'PutRecord', errorType: 'InvalidSignatureException' });
    assert.equal(lines[3], 'tributary: 7 more refused requests in 1 s were not logged');
    assert.equal(lines.length, 5);
    log.close();
  });

  test('names known users with their key, and shows only the start of an unknown key', () => {
    const lines: string[] = [];
    const log = createFailureLog({
      linesPerWindowMax: 10,
      windowMs: 1000,
      write: (line) => lines.push(line),
      clock: () => 0,
    });
    log.record({
      remoteAddress: '10.0.0.2',
      operation: 'GetRecords',
      errorType: 'AccessDeniedException',
      userName: 'reader',
      accessKeyId: 'AKIAREADER',
    });
    log.record({
      remoteAddress: '10.0.0.3',
      operation: 'ListStreams',
      errorType: 'UnrecognizedClientException',
      accessKeyId: 'wJalrXUtnFEMI/K7MDENG',
    });
    assert.equal(
      lines[0],
      'tributary: refused GetRecords from 10.0.0.2 by user reader (access key AKIAREADER): AccessDeniedException',
    );
    assert.equal(
      lines[1],
      'tributary: refused ListStreams from 10.0.0.3 with an unknown access key (wJal…, 21 characters): UnrecognizedClientException',
    );
    log.close();
  });
});
