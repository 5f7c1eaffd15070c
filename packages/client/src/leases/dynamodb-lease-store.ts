/**
 * A LeaseStore in a DynamoDB table with KCL's lease schema, so a consumer works against AWS (and
 * a table KCL's DynamoDBLeaseRefresher would read): hash key `leaseKey` (S); `leaseOwner` (S,
 * absent when nobody holds the lease), `leaseCounter` (N), `checkpoint` (S),
 * `checkpointSubSequenceNumber` (N), `ownerSwitchesSinceCheckpoint` (N), `parentShardId` (SS,
 * KCL's singular name; absent when empty — DynamoDB sets cannot be empty), `childShardIds` (SS),
 * `startingHashKey` / `endingHashKey` (S). Every change is one conditional UpdateItem, as KCL's
 * are, and every read is strongly consistent.
 */
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { LeaseStoreError, leaseStoreErrorOf } from './lease-errors.js';
import type { Lease, LeaseStore } from './lease-store.js';
import { leaseWith } from './lease-values.js';

export interface DynamoDbLeaseStoreOptions {
  readonly client: DynamoDBClient;
  /** The consumer application; the table's name unless `tableName` is given (KCL's default too). */
  readonly applicationName: string;
  readonly tableName?: string;
  /** ensureTable gives up when the table is not ACTIVE this long after it asked for it. */
  readonly tableActiveWaitMsMax?: number;
}

/** AWS creates a PAY_PER_REQUEST table in seconds; allow for a slow region. */
export const tableActiveWaitMsMaxDefault = 120_000;
const tablePollMsFirst = 50;
const tablePollMsMax = 2_000;
/** Scan pages followed at most (1 MB each: far more leases than any consumer has). */
const scanPagesMax = 10_000;

type Item = Record<string, AttributeValue>;

export class DynamoDbLeaseStore implements LeaseStore {
  readonly tableName: string;
  readonly #client: DynamoDBClient;
  readonly #tableActiveWaitMsMax: number;

  constructor(options: DynamoDbLeaseStoreOptions) {
    this.#client = options.client;
    this.tableName = options.tableName ?? options.applicationName;
    this.#tableActiveWaitMsMax = options.tableActiveWaitMsMax ?? tableActiveWaitMsMaxDefault;
  }

  async ensureTable(): Promise<void> {
    const deadlineMs = Date.now() + this.#tableActiveWaitMsMax;
    let pollMs = tablePollMsFirst;
    for (;;) {
      const status = await this.#tableStatus();
      if (status === 'ACTIVE') return;
      if (status === undefined) await this.#createTable();
      if (Date.now() >= deadlineMs) {
        throw new LeaseStoreError(
          'TableNotActive',
          `lease table ${this.tableName} is not ACTIVE (${status ?? 'missing'})`,
          {
            retryable: true,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      pollMs = Math.min(pollMs * 2, tablePollMsMax);
    }
  }

  async listLeases(): Promise<Lease[]> {
    const leases: Lease[] = [];
    let startKey: Item | undefined;
    for (let page = 0; page < scanPagesMax; page++) {
      const answer = await this.#send((client) =>
        client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
          }),
        ),
      );
      for (const item of answer.Items ?? []) leases.push(leaseOf(item));
      startKey = answer.LastEvaluatedKey;
      if (startKey === undefined) return leases;
    }
    throw new LeaseStoreError('TooManyPages', `Scan of ${this.tableName} returned more than ${scanPagesMax} pages`);
  }

  async getLease(leaseKey: string): Promise<Lease | undefined> {
    const answer = await this.#send((client) =>
      client.send(new GetItemCommand({ TableName: this.tableName, Key: keyOf(leaseKey), ConsistentRead: true })),
    );
    return answer.Item === undefined ? undefined : leaseOf(answer.Item);
  }

  async createLeaseIfNotExists(lease: Lease): Promise<boolean> {
    try {
      await this.#send((client) =>
        client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: itemOf(lease),
            ConditionExpression: 'attribute_not_exists(leaseKey)',
          }),
        ),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  renewLease(lease: Lease): Promise<Lease | undefined> {
    if (lease.leaseOwner === undefined) return Promise.resolve(undefined);
    return this.#update(lease.leaseKey, {
      UpdateExpression: 'SET leaseCounter = leaseCounter + :one',
      ConditionExpression: 'leaseCounter = :counter AND leaseOwner = :owner',
      ExpressionAttributeValues: {
        ':one': number(1),
        ':counter': number(lease.leaseCounter),
        ':owner': { S: lease.leaseOwner },
      },
    });
  }

  takeLease(lease: Lease, owner: string): Promise<Lease | undefined> {
    // Whether the owner changes decides ownerSwitchesSinceCheckpoint, so it is part of the
    // condition: the update is right for the lease as stored, or it does not happen.
    const sameOwner = lease.leaseOwner === owner;
    return this.#update(lease.leaseKey, {
      UpdateExpression: sameOwner
        ? 'SET leaseCounter = leaseCounter + :one'
        : 'SET leaseOwner = :owner, leaseCounter = leaseCounter + :one, ' +
          'ownerSwitchesSinceCheckpoint = if_not_exists(ownerSwitchesSinceCheckpoint, :zero) + :one',
      ConditionExpression: sameOwner
        ? 'leaseCounter = :counter AND leaseOwner = :owner'
        : 'leaseCounter = :counter AND (attribute_not_exists(leaseOwner) OR leaseOwner <> :owner)',
      ExpressionAttributeValues: {
        ':one': number(1),
        ':counter': number(lease.leaseCounter),
        ':owner': { S: owner },
        ...(sameOwner ? {} : { ':zero': number(0) }),
      },
    });
  }

  async evictLease(leaseKey: string, owner: string): Promise<boolean> {
    const evicted = await this.#update(leaseKey, {
      UpdateExpression: 'REMOVE leaseOwner SET leaseCounter = leaseCounter + :one',
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: { ':one': number(1), ':owner': { S: owner } },
    });
    return evicted !== undefined;
  }

  checkpoint(
    leaseKey: string,
    owner: string,
    checkpoint: string,
    checkpointSubSequenceNumber: number,
    childShardIds?: readonly string[],
  ): Promise<Lease | undefined> {
    const set = [
      'checkpoint = :checkpoint',
      'checkpointSubSequenceNumber = :sub',
      'ownerSwitchesSinceCheckpoint = :zero',
      'leaseCounter = leaseCounter + :one',
    ];
    const values: Item = {
      ':checkpoint': { S: checkpoint },
      ':sub': number(checkpointSubSequenceNumber),
      ':zero': number(0),
      ':one': number(1),
      ':owner': { S: owner },
    };
    let remove = '';
    if (childShardIds !== undefined && childShardIds.length > 0) {
      set.push('childShardIds = :children');
      values[':children'] = { SS: [...childShardIds] };
    } else if (childShardIds !== undefined) {
      remove = ' REMOVE childShardIds';
    }
    return this.#update(leaseKey, {
      UpdateExpression: `SET ${set.join(', ')}${remove}`,
      ConditionExpression: 'leaseOwner = :owner',
      ExpressionAttributeValues: values,
    });
  }

  async deleteLease(leaseKey: string): Promise<boolean> {
    const answer = await this.#send((client) =>
      client.send(new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(leaseKey), ReturnValues: 'ALL_OLD' })),
    );
    return answer.Attributes !== undefined;
  }

  /** A conditional UpdateItem: the lease as stored after it, or undefined when the condition failed. */
  async #update(
    leaseKey: string,
    update: Required<
      Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeValues'>
    >,
  ): Promise<Lease | undefined> {
    try {
      const answer = await this.#send((client) =>
        client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: keyOf(leaseKey),
            ReturnValues: 'ALL_NEW',
            ...update,
          }),
        ),
      );
      return answer.Attributes === undefined ? undefined : leaseOf(answer.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async #tableStatus(): Promise<string | undefined> {
    try {
      const answer = await this.#send((client) => client.send(new DescribeTableCommand({ TableName: this.tableName })));
      return answer.Table?.TableStatus ?? 'UNKNOWN';
    } catch (error) {
      if (error instanceof LeaseStoreError && error.type === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async #createTable(): Promise<void> {
    try {
      await this.#send((client) =>
        client.send(
          new CreateTableCommand({
            TableName: this.tableName,
            KeySchema: [{ AttributeName: 'leaseKey', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'leaseKey', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        ),
      );
    } catch (error) {
      // Another worker is creating it: wait for ACTIVE like it does.
      if (!(error instanceof LeaseStoreError) || error.type !== 'ResourceInUseException') throw error;
    }
  }

  /** Runs one SDK call; its errors become LeaseStoreErrors (the condition failure included). */
  async #send<Output>(call: (client: DynamoDBClient) => Promise<Output>): Promise<Output> {
    try {
      return await call(this.#client);
    } catch (error) {
      throw typedError(error);
    }
  }
}

function typedError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  if (metadata === undefined) {
    return new LeaseStoreError('NetworkError', `DynamoDB call failed: ${error.message}`, {
      retryable: true,
      cause: error,
    });
  }
  const typed = leaseStoreErrorOf(error.name, error.message, metadata.httpStatusCode ?? 0);
  return Object.assign(typed, { cause: error });
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof LeaseStoreError && error.type === 'ConditionalCheckFailedException';
}

function number(value: number): AttributeValue {
  return { N: String(value) };
}

function keyOf(leaseKey: string): Item {
  return { leaseKey: { S: leaseKey } };
}

/** A lease as a DynamoDB item of KCL's schema. */
export function itemOf(lease: Lease): Item {
  const item: Item = {
    leaseKey: { S: lease.leaseKey },
    leaseCounter: number(lease.leaseCounter),
    checkpoint: { S: lease.checkpoint },
    checkpointSubSequenceNumber: number(lease.checkpointSubSequenceNumber),
    ownerSwitchesSinceCheckpoint: number(lease.ownerSwitchesSinceCheckpoint),
  };
  if (lease.leaseOwner !== undefined) item.leaseOwner = { S: lease.leaseOwner };
  if (lease.parentShardIds.length > 0) item.parentShardId = { SS: [...lease.parentShardIds] };
  if (lease.childShardIds !== undefined && lease.childShardIds.length > 0) {
    item.childShardIds = { SS: [...lease.childShardIds] };
  }
  if (lease.startingHashKey !== undefined) item.startingHashKey = { S: lease.startingHashKey };
  if (lease.endingHashKey !== undefined) item.endingHashKey = { S: lease.endingHashKey };
  return item;
}

/** A lease from an item of KCL's schema; members KCL writes that the contract lacks are ignored. */
export function leaseOf(item: Item): Lease {
  const text = (name: string): string | undefined => item[name]?.S;
  const count = (name: string): number => Number(item[name]?.N ?? '0');
  return leaseWith(
    {
      leaseKey: text('leaseKey') ?? '',
      leaseCounter: count('leaseCounter'),
      checkpoint: text('checkpoint') ?? 'TRIM_HORIZON',
      checkpointSubSequenceNumber: count('checkpointSubSequenceNumber'),
      ownerSwitchesSinceCheckpoint: count('ownerSwitchesSinceCheckpoint'),
      parentShardIds: item.parentShardId?.SS ?? [],
    },
    {
      leaseOwner: text('leaseOwner'),
      childShardIds: item.childShardIds?.SS,
      startingHashKey: text('startingHashKey'),
      endingHashKey: text('endingHashKey'),
    },
  );
}
