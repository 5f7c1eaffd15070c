/** What the service keeps about each stream, persisted as JSON in the metadata store. */
export type StreamStatus = 'CREATING' | 'DELETING' | 'ACTIVE' | 'UPDATING';
export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';
export type EncryptionType = 'NONE' | 'KMS';

export interface ShardState {
  readonly index: number;
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  /** Decimal strings: JSON has no 128-bit integers. */
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  /** The shard's creation millisecond: the epoch field of its sequence numbers. */
  readonly epochMs: number;
  endingSequenceNumber?: string;
}

export interface PendingTransition {
  /** When the transition completes (epoch ms). */
  readonly atMs: number;
  readonly to: 'ACTIVE' | 'DELETED';
}

export interface StreamState {
  readonly name: string;
  /** File-system-safe internal id; never derived from the user's name. */
  readonly key: string;
  readonly arn: string;
  readonly createdMs: number;
  status: StreamStatus;
  pending?: PendingTransition;
  mode: StreamMode;
  retentionHours: number;
  shards: ShardState[];
  tags: Record<string, string>;
  enhancedMonitoring: string[];
  encryptionType: EncryptionType;
  keyId?: string;
  maxRecordSizeKiB: number;
  warmThroughputMiBps?: number;
  consumerCount: number;
}

export const streamKeyPrefix = 'stream/';
export const resourcePolicyKeyPrefix = 'policy/';
export const accountSettingsKey = 'account/settings';
export const iteratorKeyKey = 'secret/iterator-key';

export function shardIdOf(index: number): string {
  return `shardId-${String(index).padStart(12, '0')}`;
}

/** Parses `shardId-000000000001` (or a bare number, as AWS accepts `1`) into an index. */
export function shardIndexOf(shardId: string): number | undefined {
  const match = /^(?:shardId-)?(\d{1,12})$/.exec(shardId);
  if (!match?.[1]) return undefined;
  const index = Number(match[1]);
  return index < 2 ** 31 ? index : undefined;
}

export function isOpen(shard: ShardState): boolean {
  return shard.endingSequenceNumber === undefined;
}
