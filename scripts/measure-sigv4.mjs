#!/usr/bin/env node
// Measures what verifying one SigV4 signature costs the server (auth/sigv4.ts): reading the
// signature, the canonical request, the string to sign, the HMAC with a cached signing key, and
// the body hash — for SDK-shaped requests of a few sizes. Requests are signed once by the SDK's
// signer (@smithy/signature-v4); only verification is timed. Run after `npm run build`:
//   node scripts/measure-sigv4.mjs
import { createHash, createHmac } from 'node:crypto';
import { readSignature } from '../packages/server/dist/auth/signature-parts.js';
import { verifySignature } from '../packages/server/dist/auth/sigv4.js';
import { signRequest } from '../packages/server/dist/testing/sigv4-oracle.js';

const user = { accessKeyId: 'AKIAMEASURE000000001', secretAccessKey: 'measure-secret' };
const iterations = 200_000;

async function arrived(protocol, bodyBytes, presign) {
  const body = Buffer.alloc(bodyBytes, 0x61);
  const request = {
    authority: '127.0.0.1:4567',
    protocol,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.PutRecord',
      'amz-sdk-invocation-id': '7d1f3c2e-0000-4000-8000-000000000000',
      'amz-sdk-request': 'attempt=1; max=3',
      'x-amz-user-agent': 'aws-sdk-js/3.1143.0',
    },
    body,
  };
  const signed = await signRequest(request, user, presign ? { presignExpiresSeconds: 300 } : {});
  const pseudo =
    protocol === 'http2'
      ? { ':method': 'POST', ':path': signed.path, ':authority': request.authority, ':scheme': 'http' }
      : { host: request.authority };
  const headers = { ...pseudo, ...signed.headers };
  return { method: 'POST', target: signed.path, headers, rawHeaders: Object.entries(headers).flat(), body };
}

function measure(name, request, count) {
  const options = {
    region: 'us-east-1',
    service: 'kinesis',
    nowMs: Date.now(),
    lookup: (id) => (id === user.accessKeyId ? user : undefined),
  };
  for (let index = 0; index < 2_000; index++) verifySignature(request, readSignature(request), options);
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) {
    const result = verifySignature(request, readSignature(request), options);
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  }
  const perRequestUs = Number(process.hrtime.bigint() - started) / 1000 / count;
  console.log(
    `${name.padEnd(44)} ${perRequestUs.toFixed(2).padStart(8)} µs/request  ${Math.round(1e6 / perRequestUs)
      .toLocaleString('en')
      .padStart(9)}/s`,
  );
}

// The floor on this machine, now: the three hashes any verifier must compute for a 100-byte body.
{
  const body = Buffer.alloc(100, 0x61);
  const canonical = 'x'.repeat(420);
  const key = createHmac('sha256', 'k').digest();
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) {
    createHash('sha256').update(body).digest('hex');
    createHash('sha256').update(canonical).digest('hex');
    createHmac('sha256', key).update(canonical.slice(0, 150)).digest('hex');
  }
  const perRequestUs = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  console.log(
    `${'floor: 2 SHA-256 + 1 HMAC (node:crypto alone)'.padEnd(44)} ${perRequestUs.toFixed(2).padStart(8)} µs/request`,
  );
}
measure('HTTP/2, 100-byte body (PutRecord)', await arrived('http2', 100, false), iterations);
measure('HTTP/1.1, 100-byte body', await arrived('http1', 100, false), iterations);
measure('HTTP/1.1 presigned, 100-byte body', await arrived('http1', 100, true), iterations);
measure('HTTP/2, 64 KiB body', await arrived('http2', 64 * 1024, false), iterations / 10);
measure('HTTP/2, 1 MiB body (hashing dominates)', await arrived('http2', 1024 * 1024, false), 500);
