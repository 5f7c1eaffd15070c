/**
 * The offline check of a whole log directory (`<dataDir>/log`) against the streams the metadata
 * lists: every listed shard has its directory and passes `verifyShard`; every directory belongs
 * to a listed stream and shard. The caller (cli/verify.ts) reads the metadata, so storage stays
 * ignorant of the services' stream documents.
 */
import * as path from 'node:path';
import type { LogFileSystem } from './file-system.js';
import { streamKeyPattern } from './log-limits.js';
import { type ShardSummary, type VerifyFinding, verifyShard } from './verify-shard.js';

/** A stream as the metadata lists it: its log directory key and its shards' indexes. */
export interface ListedStream {
  readonly name: string;
  readonly key: string;
  readonly shardIndexes: readonly number[];
}

export interface LogDirectoryVerification {
  readonly shards: ShardSummary[];
  readonly findings: VerifyFinding[];
}

const shardDirectoryPattern = /^\d{6}$/;

export function shardDirectoryName(shardIndex: number): string {
  return String(shardIndex).padStart(6, '0');
}

export async function verifyLogDirectory(
  fileSystem: LogFileSystem,
  logRoot: string,
  streams: readonly ListedStream[],
  options: { readonly indexIntervalBytes?: number } = {},
): Promise<LogDirectoryVerification> {
  const shards: ShardSummary[] = [];
  const findings: VerifyFinding[] = [];
  const streamDirectories = new Set(await fileSystem.list(logRoot));
  for (const stream of streams) {
    const streamDirectory = path.join(logRoot, stream.key);
    if (!streamKeyPattern.test(stream.key) || !streamDirectories.has(stream.key)) {
      const message = `stream ${stream.name} has no log directory ${streamDirectory}`;
      findings.push({
        severity: 'error',
        kind: 'missing-directory',
        streamKey: stream.key,
        path: streamDirectory,
        message,
      });
      continue;
    }
    const shardDirectories = new Set(await fileSystem.list(streamDirectory));
    for (const shardIndex of stream.shardIndexes) {
      const directory = path.join(streamDirectory, shardDirectoryName(shardIndex));
      if (!shardDirectories.delete(shardDirectoryName(shardIndex))) {
        const message = `shard ${shardIndex} of stream ${stream.name} has no log directory`;
        findings.push({
          severity: 'error',
          kind: 'missing-directory',
          streamKey: stream.key,
          shardIndex,
          path: directory,
          message,
        });
        continue;
      }
      const verified = await verifyShard(fileSystem, { streamKey: stream.key, shardIndex, directory }, options);
      shards.push(verified.summary);
      findings.push(...verified.findings);
    }
    for (const name of [...shardDirectories].sort()) {
      const known = shardDirectoryPattern.test(name) ? `shard ${Number(name)}` : 'an entry';
      const message = `${known} under stream ${stream.name} that the metadata does not list`;
      findings.push(orphan(path.join(streamDirectory, name), stream.key, message));
    }
    streamDirectories.delete(stream.key);
  }
  for (const name of [...streamDirectories].sort()) {
    const message = 'log directory of no stream in the metadata (left by an interrupted create or delete?)';
    findings.push(orphan(path.join(logRoot, name), name, message));
  }
  return { shards, findings };
}

function orphan(directory: string, streamKey: string, message: string): VerifyFinding {
  return { severity: 'warning', kind: 'orphan-directory', streamKey, path: directory, message };
}
