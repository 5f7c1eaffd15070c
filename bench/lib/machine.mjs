/** The machine the numbers come from, written at the top of every result. */
import { execFileSync } from 'node:child_process';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

function run(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function osName() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

/** The device and file system under the temporary directory, where every data directory lives. */
function diskDescription(directory) {
  const mount = run('findmnt', ['-n', '-o', 'SOURCE,FSTYPE', '--target', directory]);
  const [source, fileSystem] = mount ? mount.split(/\s+/) : [null, null];
  let rotational = null;
  let sizeBytes = null;
  const device = source ? path.basename(source).replace(/\d+$/, '') : null;
  if (device) {
    try {
      rotational = readFileSync(`/sys/block/${device}/queue/rotational`, 'utf8').trim() === '1';
      sizeBytes = Number(readFileSync(`/sys/block/${device}/size`, 'utf8').trim()) * 512;
    } catch {
      // Not a plain block device (overlay, tmpfs): leave unknown.
    }
  }
  return { directory, source, fileSystem, rotational, sizeGiB: sizeBytes === null ? null : sizeBytes / 2 ** 30 };
}

/**
 * What one durable append costs on this disk, without Tributary: `count` appends of 1 KiB, each
 * followed by fdatasync. The floor under any fsync-per-request latency.
 */
function fdatasyncProbe(directory, count) {
  const probeDirectory = mkdtempSync(path.join(directory, 'bench-fsync-probe-'));
  const fd = openSync(path.join(probeDirectory, 'probe'), 'w');
  const block = Buffer.alloc(1024, 7);
  const latencies = [];
  try {
    for (let index = 0; index < count; index++) {
      const startedAt = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      latencies.push(performance.now() - startedAt);
    }
  } finally {
    closeSync(fd);
    rmSync(probeDirectory, { recursive: true, force: true });
  }
  latencies.sort((a, b) => a - b);
  const rank = (fraction) => latencies[Math.min(latencies.length - 1, Math.ceil(fraction * latencies.length) - 1)];
  return { appends: count, p50Ms: rank(0.5), p99Ms: rank(0.99), maxMs: latencies.at(-1) };
}

export function describeMachine() {
  const cpus = os.cpus();
  const temporaryDirectory = os.tmpdir();
  return {
    nproc: Number(run('nproc', [])) || cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: os.totalmem() / 2 ** 30,
    os: osName(),
    kernel: os.release(),
    node: process.version,
    disk: diskDescription(temporaryDirectory),
    fdatasync: fdatasyncProbe(temporaryDirectory, 200),
    loadAverageAtStart: os.loadavg(),
  };
}
