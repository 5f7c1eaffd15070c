/**
 * `tributary verify` on a real server's data directory: clean after a clean stop (exit 0), and a
 * byte flipped in a sealed segment is reported with its shard, segment and byte range (exit 1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Encoder } from 'cbor-x';
import { createStreamJson } from '../testing/kinesis-json.js';
import { seededBytes, seededRandom } from '../testing/random.js';
import { kinesisHeaders, rawRequest } from '../testing/raw-request.js';
import { startServerProcess } from '../testing/server-process.js';
import type { VerifyReport } from './verify.js';

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), 'main.js');
const mebibyte = 1024 * 1024;
const cborEncoder = new Encoder({
  useRecords: false,
  mapsAsObjects: true,
  tagUint8Array: false,
  variableMapSize: true,
});

function runVerify(dataDir: string, ...flags: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, 'verify', '--data-dir', dataDir, ...flags], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function flipByte(filePath: string, position: number): void {
  const descriptor = openSync(filePath, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(descriptor, byte, 0, 1, position);
    byte[0] = (byte[0] as number) ^ 0x20;
    writeSync(descriptor, byte, 0, 1, position);
  } finally {
    closeSync(descriptor);
  }
}

describe('tributary verify', () => {
  test('reports a clean data directory with exit 0 and a flipped byte in a sealed segment with exit 1', async () => {
    const server = await startServerProcess({ args: ['--durability', 'os'] });
    const dataDir = server.dataDir;
    try {
      await createStreamJson(server.url, 'verified', 1);
      // Nine calls of 8 MiB take the shard past one 64 MiB segment, so the first one is sealed.
      // CBOR carries the bytes as they are: base64 JSON would take seconds for the same data.
      const data = seededBytes(seededRandom(9), mebibyte - 1024);
      for (let call = 0; call < 9; call++) {
        const Records = Array.from({ length: 8 }, (_, index) => ({ PartitionKey: `k${call}-${index}`, Data: data }));
        const response = await rawRequest(server.url, {
          headers: kinesisHeaders('PutRecords', 'application/x-amz-cbor-1.1'),
          body: Buffer.from(cborEncoder.encode({ StreamName: 'verified', Records })),
        });
        assert.equal(response.statusCode, 200);
      }
      assert.equal(await server.kill('SIGTERM'), 0);

      const clean = runVerify(dataDir);
      assert.equal(clean.status, 0, clean.stdout + clean.stderr);
      assert.match(clean.stdout, /stream verified .*: 1 shards checked/);
      assert.match(clean.stdout, /shard 0: 2 segments, 72 records in 9 batches \(offsets 0–71\)/);
      assert.match(clean.stdout, /^OK \(0 errors, 0 warnings\)$/m);

      const logRoot = path.join(dataDir, 'log');
      const [streamKey] = readdirSync(logRoot);
      const shardDirectory = path.join(logRoot, streamKey as string, '000000');
      const sealed = path.join(shardDirectory, '00000000000000000000.log');
      assert.ok(statSync(sealed).size > 60 * mebibyte, 'the first segment is the sealed one');
      const damagedPosition = 20 * mebibyte + 12345; // inside the third batch's records
      flipByte(sealed, damagedPosition);

      const damaged = runVerify(dataDir);
      assert.equal(damaged.status, 1, damaged.stdout + damaged.stderr);
      assert.match(
        damaged.stdout,
        /ERROR corrupt-batch: stream verified shard 0 .*00000000000000000000\.log bytes \[\d+, \d+\): bad-checksum/,
      );
      assert.match(damaged.stdout, /^PROBLEMS FOUND \(1 errors, 0 warnings\)$/m);

      const json = runVerify(dataDir, '--json');
      assert.equal(json.status, 1);
      const report = JSON.parse(json.stdout) as VerifyReport;
      assert.equal(report.clean, false);
      assert.equal(report.findings.length, 1);
      const finding = report.findings[0];
      assert.ok(finding !== undefined);
      assert.deepEqual(
        [finding.severity, finding.kind, finding.streamKey, finding.shardIndex, finding.path, finding.recordCount],
        ['error', 'corrupt-batch', streamKey, 0, sealed, 8],
      );
      assert.ok((finding.byteStart as number) <= damagedPosition && damagedPosition < (finding.byteEnd as number));
      assert.equal(finding.firstOffset, 16, 'the third batch holds offsets 16–23');
      assert.equal(report.streams[0]?.shards[0]?.recordCount, 64, 'the other batches still verify');

      const missing = runVerify(path.join(dataDir, 'no-such-directory'));
      assert.equal(missing.status, 2);
      const usage = spawnSync(process.execPath, [cliPath, 'verify'], { encoding: 'utf8' });
      assert.equal(usage.status, 2, 'a usage error is not "problems found"');
    } finally {
      await server.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('reports an unreadable or missing metadata store as an error', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tributary-verify-'));
    try {
      const result = runVerify(dataDir);
      assert.equal(result.status, 1);
      assert.match(result.stdout, /ERROR metadata-unreadable/);
      assert.deepEqual(readdirSync(dataDir), [], 'verify created nothing');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
