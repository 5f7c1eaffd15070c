/**
 * `tributary verify --data-dir DIR [--json]`: checks a data directory offline and reports what it
 * finds. It opens everything read-only (logs through nodeReadOnlyFileSystem, LMDB with readOnly),
 * so it never truncates, rebuilds or creates anything; it is safe on a stopped server's directory
 * and on a copy, and does not disturb a running server (which may be mid-write, so a torn tail
 * seen then is only the write in flight).
 *
 * Exit codes: 0 when nothing is wrong (warnings allowed: the next start repairs them, or they are
 * harmless leftovers), 1 when it found errors, 2 when it could not run (no --data-dir, or no such
 * directory).
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { type StreamState, streamKeyPrefix } from '../services/streams/state.js';
import { readMetaEntriesReadOnly } from '../storage/embedded/lmdb-read-only.js';
import { nodeReadOnlyFileSystem } from '../storage/embedded/read-only-file-system.js';
import { type ListedStream, verifyLogDirectory } from '../storage/embedded/verify-log-directory.js';
import type { ShardSummary, VerifyFinding } from '../storage/embedded/verify-shard.js';

export interface VerifyReport {
  readonly dataDir: string;
  /** No errors (warnings may remain). */
  readonly clean: boolean;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly streams: ReadonlyArray<{ readonly name: string; readonly key: string; readonly shards: ShardSummary[] }>;
  readonly findings: readonly VerifyFinding[];
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description('check a data directory offline (read-only) and report damage; exit 1 when it finds errors')
    .option('--data-dir <dir>', 'the data directory of a server (stopped, or a copy); required')
    .option('--json', 'print the report as JSON')
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      // Checked here rather than by commander, whose usage errors exit 1: 1 means "problems found".
      if (flags.dataDir === undefined) {
        console.error('tributary verify: --data-dir <dir> is required');
        process.exitCode = 2;
        return;
      }
      process.exitCode = await runVerify({ dataDir: flags.dataDir, json: flags.json === true });
    });
}

export async function runVerify(options: { dataDir: string; json: boolean }): Promise<number> {
  const dataDir = path.resolve(options.dataDir);
  if (!isDirectory(dataDir)) {
    console.error(`tributary verify: ${dataDir} is not a directory`);
    return 2;
  }
  const report = await verifyDataDirectory(dataDir);
  console.log(options.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.clean ? 0 : 1;
}

export async function verifyDataDirectory(dataDir: string): Promise<VerifyReport> {
  const findings: VerifyFinding[] = [];
  let streams: ListedStream[] = [];
  try {
    const entries = await readMetaEntriesReadOnly(path.join(dataDir, 'meta'), streamKeyPrefix);
    streams = entries.map(({ value }) => {
      const stream = value as StreamState;
      return { name: stream.name, key: stream.key, shardIndexes: stream.shards.map((shard) => shard.index) };
    });
  } catch (error) {
    const message = `the metadata cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    findings.push({ severity: 'error', kind: 'metadata-unreadable', path: path.join(dataDir, 'meta'), message });
  }
  const logs = await verifyLogDirectory(nodeReadOnlyFileSystem(), path.join(dataDir, 'log'), streams);
  findings.push(...logs.findings);
  const errorCount = findings.filter((finding) => finding.severity === 'error').length;
  return {
    dataDir,
    clean: errorCount === 0,
    errorCount,
    warningCount: findings.length - errorCount,
    streams: streams.map((stream) => ({
      name: stream.name,
      key: stream.key,
      shards: logs.shards.filter((shard) => shard.streamKey === stream.key),
    })),
    findings,
  };
}

function formatReport(report: VerifyReport): string {
  const lines = [`tributary verify: ${report.dataDir}`];
  const names = new Map(report.streams.map((stream) => [stream.key, stream.name]));
  for (const stream of report.streams) {
    lines.push(`  stream ${stream.name} (log directory ${stream.key}): ${stream.shards.length} shards checked`);
    for (const shard of stream.shards) {
      const offsets =
        shard.endOffset > shard.startOffset ? `offsets ${shard.startOffset}–${shard.endOffset - 1}` : 'empty';
      lines.push(
        `    shard ${shard.shardIndex}: ${shard.segmentCount} segments, ${shard.recordCount} records in ` +
          `${shard.batchCount} batches (${offsets}), ${formatBytes(shard.sizeBytes)}`,
      );
    }
  }
  for (const finding of report.findings) lines.push(`  ${formatFinding(finding, names)}`);
  const summary = `${report.errorCount} errors, ${report.warningCount} warnings`;
  lines.push(report.clean ? `OK (${summary})` : `PROBLEMS FOUND (${summary})`);
  return lines.join('\n');
}

function formatFinding(finding: VerifyFinding, names: ReadonlyMap<string, string>): string {
  const where: string[] = [];
  if (finding.streamKey !== undefined) where.push(`stream ${names.get(finding.streamKey) ?? finding.streamKey}`);
  if (finding.shardIndex !== undefined) where.push(`shard ${finding.shardIndex}`);
  if (finding.path !== undefined) where.push(finding.path);
  if (finding.byteStart !== undefined) where.push(`bytes [${finding.byteStart}, ${finding.byteEnd})`);
  return `${finding.severity.toUpperCase()} ${finding.kind}: ${where.join(' ')}: ${finding.message}`;
}

function formatBytes(sizeBytes: number): string {
  if (sizeBytes < 1024) return `${sizeBytes} B`;
  if (sizeBytes < 1024 * 1024) return `${(sizeBytes / 1024).toFixed(1)} KiB`;
  return `${(sizeBytes / 1024 / 1024).toFixed(1)} MiB`;
}

function isDirectory(candidate: string): boolean {
  try {
    return statSync(candidate).isDirectory();
  } catch {
    return false;
  }
}
