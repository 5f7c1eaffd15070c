/**
 * A LeaseStore kept in Tributary itself, through the server's lease extension API
 * (`TributaryLeases_20261126`, docs/client/leases.md). The server offers conditional writes of
 * whole leases (PutLease with ExpectNotExists / ExpectedLeaseCounter / ExpectedLeaseOwner); the
 * store builds the contract's changes from them. Every change bumps the lease counter, so a write
 * conditioned on the counter just read is a compare-and-set on the whole lease: renew and take
 * read the lease, check the caller's expectation, and write the changed lease on that condition.
 * Evict and checkpoint hold only on the owner, and the owner's own renewals move the counter
 * concurrently, so they try again (bounded) when only the counter moved.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { LeaseStoreError } from './lease-errors.js';
import type { Lease, LeaseStore } from './lease-store.js';
import { leaseTransitions, leaseWith } from './lease-values.js';
import { type EndpointInput, type LeaseCredentialsInput, NativeTransport } from './native-transport.js';

export interface NativeLeaseStoreOptions {
  /** The consumer application: one lease table per application. */
  readonly applicationName: string;
  /** The Tributary server, e.g. `http://127.0.0.1:4567`. */
  readonly endpoint: EndpointInput;
  readonly region: string | (() => Promise<string>);
  readonly credentials: LeaseCredentialsInput;
  readonly requestTimeoutMs?: number;
  readonly connectionsMax?: number;
}

/** Evict and checkpoint retry this often when only the counter moved under them (the owner's renewer). */
const ownerChangeAttemptsMax = 10;
/** ListLeases pages followed at most (the server holds at most 10,000 leases per table, 1,000 a page). */
const listPagesMax = 100;

type WireLease = Record<string, unknown>;

export class NativeLeaseStore implements LeaseStore {
  readonly applicationName: string;
  readonly #transport: NativeTransport;

  constructor(options: NativeLeaseStoreOptions) {
    this.applicationName = options.applicationName;
    this.#transport = new NativeTransport(options);
  }

  /**
   * A store that talks to the server a Kinesis client talks to, with its region and credentials.
   * The client must have an explicit `endpoint` (AWS has no lease extension: use
   * DynamoDbLeaseStore there).
   */
  static fromKinesisClient(
    kinesisClient: KinesisClient,
    applicationName: string,
    options: Pick<NativeLeaseStoreOptions, 'requestTimeoutMs' | 'connectionsMax'> = {},
  ): NativeLeaseStore {
    const config = kinesisClient.config;
    const endpoint = config.endpoint;
    if (endpoint === undefined) {
      throw new Error(
        'NativeLeaseStore.fromKinesisClient needs a client with an explicit endpoint (a Tributary server)',
      );
    }
    return new NativeLeaseStore({
      applicationName,
      endpoint,
      region: config.region,
      credentials: config.credentials,
      ...options,
    });
  }

  /** Closes the store's connections. */
  close(): void {
    this.#transport.close();
  }

  async ensureTable(): Promise<void> {
    try {
      await this.#call('DescribeLeaseTable', {});
      return;
    } catch (error) {
      if (!(error instanceof LeaseStoreError) || error.type !== 'ResourceNotFoundException') throw error;
    }
    try {
      await this.#call('CreateLeaseTable', {});
    } catch (error) {
      // Another worker created it first.
      if (!(error instanceof LeaseStoreError) || error.type !== 'ResourceInUseException') throw error;
    }
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let nextToken: string | undefined;
    for (let pageIndex = 0; pageIndex < listPagesMax; pageIndex++) {
      const answer = await this.#call('ListLeases', nextToken === undefined ? {} : { NextToken: nextToken });
      for (const wire of (answer.Leases as WireLease[] | undefined) ?? []) leases.push(fromWire(wire));
      nextToken = typeof answer.NextToken === 'string' ? answer.NextToken : undefined;
      if (nextToken === undefined) return leases;
    }
    throw new LeaseStoreError('TooManyPages', `ListLeases returned more than ${listPagesMax} pages`);
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    const answer = await this.#call('GetLease', { LeaseKey: leaseKey });
    return answer.Lease === undefined ? undefined : fromWire(answer.Lease as WireLease);
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    return (await this.#put(lease, { ExpectNotExists: true })) !== undefined;
  }

  async renewLease(lease: Lease): Promise<Lease | undefined> {
    const stored = await this.getLease(lease.leaseKey);
    if (stored === undefined || stored.leaseCounter !== lease.leaseCounter) return undefined;
    if (stored.leaseOwner === undefined || stored.leaseOwner !== lease.leaseOwner) return undefined;
    return this.#put(leaseTransitions.renewed(stored), {
      ExpectedLeaseCounter: stored.leaseCounter,
      ExpectedLeaseOwner: stored.leaseOwner,
    });
  }

  async takeLease(lease: Lease, owner: string): Promise<Lease | undefined> {
    const stored = await this.getLease(lease.leaseKey);
    if (stored === undefined || stored.leaseCounter !== lease.leaseCounter) return undefined;
    const taken = leaseTransitions.taken(stored, owner);
    return this.#put(taken, { ExpectedLeaseCounter: stored.leaseCounter });
  }

  async evictLease(leaseKey: string, owner: string): Promise<boolean> {
    const evicted = await this.#changeAsOwner(leaseKey, owner, (stored) => leaseTransitions.evicted(stored));
    return evicted !== undefined;
  }

  checkpoint(
    leaseKey: string,
    owner: string,
    checkpoint: string,
    checkpointSubSequenceNumber: number,
    childShardIds?: readonly string[],
  ): Promise<Lease | undefined> {
    return this.#changeAsOwner(leaseKey, owner, (stored) =>
      leaseTransitions.checkpointed(stored, checkpoint, checkpointSubSequenceNumber, childShardIds),
    );
  }

  async deleteLease(leaseKey: string): Promise<boolean> {
    const answer = await this.#call('DeleteLease', { LeaseKey: leaseKey });
    return answer.Lease !== undefined;
  }

  /** A change that holds while `owner` holds the lease, whatever its counter (see the file comment). */
  async #changeAsOwner(leaseKey: string, owner: string, change: (stored: Lease) => Lease): Promise<Lease | undefined> {
    for (let attempt = 0; attempt < ownerChangeAttemptsMax; attempt++) {
      const stored = await this.getLease(leaseKey);
      if (stored === undefined || stored.leaseOwner !== owner) return undefined;
      const written = await this.#put(change(stored), {
        ExpectedLeaseCounter: stored.leaseCounter,
        ExpectedLeaseOwner: owner,
      });
      if (written !== undefined) return written;
    }
    throw new LeaseStoreError(
      'TooManyAttempts',
      `lease ${leaseKey} changed under ${ownerChangeAttemptsMax} attempts in a row while its owner held it`,
      { retryable: true },
    );
  }

  /** A conditional PutLease: the lease as stored, or undefined when the condition failed. */
  async #put(lease: Lease, condition: Record<string, unknown>): Promise<Lease | undefined> {
    try {
      const answer = await this.#call('PutLease', { Lease: toWire(lease), ...condition });
      return fromWire(answer.Lease as WireLease);
    } catch (error) {
      if (error instanceof LeaseStoreError && error.type === 'ConditionalCheckFailedException') return undefined;
      throw error;
    }
  }

  #call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#transport.call(operation, { ApplicationName: this.applicationName, ...input });
  }
}

/** A lease as the extension API spells it (docs/client/leases.md, "Lease"). */
export function toWire(lease: Lease): WireLease {
  return {
    LeaseKey: lease.leaseKey,
    ...(lease.leaseOwner === undefined ? {} : { LeaseOwner: lease.leaseOwner }),
    LeaseCounter: lease.leaseCounter,
    Checkpoint: lease.checkpoint,
    CheckpointSubSequenceNumber: lease.checkpointSubSequenceNumber,
    OwnerSwitchesSinceCheckpoint: lease.ownerSwitchesSinceCheckpoint,
    ParentShardIds: [...lease.parentShardIds],
    ...(lease.childShardIds === undefined || lease.childShardIds.length === 0
      ? {}
      : { ChildShardIds: [...lease.childShardIds] }),
    ...(lease.startingHashKey === undefined ? {} : { StartingHashKey: lease.startingHashKey }),
    ...(lease.endingHashKey === undefined ? {} : { EndingHashKey: lease.endingHashKey }),
  };
}

export function fromWire(wire: WireLease): Lease {
  const text = (member: string): string | undefined =>
    typeof wire[member] === 'string' ? (wire[member] as string) : undefined;
  const number = (member: string): number => (typeof wire[member] === 'number' ? (wire[member] as number) : 0);
  const list = (member: string): string[] | undefined =>
    Array.isArray(wire[member]) ? (wire[member] as unknown[]).map(String) : undefined;
  return leaseWith(
    {
      leaseKey: text('LeaseKey') ?? '',
      leaseCounter: number('LeaseCounter'),
      checkpoint: text('Checkpoint') ?? '',
      checkpointSubSequenceNumber: number('CheckpointSubSequenceNumber'),
      ownerSwitchesSinceCheckpoint: number('OwnerSwitchesSinceCheckpoint'),
      parentShardIds: list('ParentShardIds') ?? [],
    },
    {
      leaseOwner: text('LeaseOwner'),
      childShardIds: list('ChildShardIds'),
      startingHashKey: text('StartingHashKey'),
      endingHashKey: text('EndingHashKey'),
    },
  );
}
