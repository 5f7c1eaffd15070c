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
  /**
   * When resharding closed the shard (epoch ms): the epoch of its children, so that the shard
   * covers [epochMs, closedMs] in time. Set together with endingSequenceNumber.
   */
  closedMs?: number;
  /**
   * When retention found every record of this closed shard expired (epoch ms). Like AWS, the
   * shard is then no longer listed nor readable; it stays in `shards` so its index is never reused.
   */
  expiredMs?: number;
}

/**
 * A stream's data key, wrapped (AES-256-GCM) under a key-ring master key. Records are sealed under
 * the data key; the batches name it by `id`, so older keys stay readable after a key change.
 */
export interface WrappedDataKey {
  /** 1, 2, …: the order StartStreamEncryption made them in; the last one seals new batches. */
  readonly id: number;
  /** The key id (UUID) of the master key that wraps it. */
  readonly masterKeyId: string;
  /** base64 of nonce (12 bytes) | ciphertext (32) | tag (16). */
  readonly wrapped: string;
}

/** A change of the shard map, applied when the stream's UPDATING transition completes. */
export type ReshardPlan =
  | { readonly kind: 'split'; readonly shardIndex: number; readonly newStartingHashKey: string }
  | { readonly kind: 'merge'; readonly shardIndex: number; readonly adjacentShardIndex: number }
  | { readonly kind: 'uniform'; readonly targetShardCount: number };

export interface PendingTransition {
  /** When the transition completes (epoch ms). */
  readonly atMs: number;
  readonly to: 'ACTIVE' | 'DELETED';
  /** SplitShard, MergeShards, UpdateShardCount: the shard map changes when the update completes. */
  readonly reshard?: ReshardPlan;
  /** UpdateStreamMode: the capacity mode the stream has once the update completes. */
  readonly streamMode?: StreamMode;
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
  /** The KeyId as the caller gave it to StartStreamEncryption (DescribeStream shows it as given). */
  keyId?: string;
  /** Every data key the stream ever sealed records under, oldest first. */
  dataKeys?: WrappedDataKey[];
  /** When StartStreamEncryption was accepted (epoch ms), pruned to the last 24 hours. */
  encryptionUpdatesMs?: number[];
  maxRecordSizeKiB: number;
  warmThroughputMiBps?: number;
  consumerCount: number;
  /** When UpdateShardCount was accepted (epoch ms), pruned to the last 24 hours. */
  shardCountUpdatesMs?: number[];
  /** When UpdateStreamMode was accepted (epoch ms), pruned to the last 24 hours. */
  streamModeUpdatesMs?: number[];
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

/** A closed shard whose data all expired: no longer listed or readable (see retention-worker.ts). */
export function isExpired(shard: ShardState): boolean {
  return shard.expiredMs !== undefined;
}
