/**
 * The lease extension's operations, by wire name. The front door has already checked the input
 * against model.ts (types, lengths, patterns, required members); what is left here are the
 * checks the model cannot express and the behaviour. Each operation is a few lines over
 * LeaseTables, which owns storage and concurrency.
 */
import type { RpcInput } from '../../protocol/rpc-service.js';
import { leaseErrors } from './errors.js';
import {
  type LeaseDecision,
  type LeaseTable,
  type LeaseTables,
  leaseLimits,
  type StoredLease,
} from './lease-tables.js';

export type LeaseOperation = (tables: LeaseTables, input: RpcInput) => Promise<Record<string, unknown>>;

/** Leases per ListLeases page when the request gives no Limit. */
export const listLeasesLimitDefault = 1000;
const hashKeyMax = (1n << 128n) - 1n;

function text(input: RpcInput, member: string): string {
  const value = input[member];
  if (typeof value !== 'string') throw new Error(`${member} passed validation without being a string`);
  return value;
}

function optionalText(input: RpcInput, member: string): string | undefined {
  const value = input[member];
  return typeof value === 'string' ? value : undefined;
}

function optionalNumber(input: RpcInput, member: string): number | undefined {
  const value = input[member];
  return typeof value === 'number' ? value : undefined;
}

function existingTable(tables: LeaseTables, application: string): LeaseTable {
  const table = tables.find(application);
  if (table === undefined) throw leaseErrors.tableNotFound(application);
  return table;
}

function describe(table: LeaseTable): Record<string, unknown> {
  return {
    ApplicationName: table.application,
    TableStatus: 'ACTIVE',
    CreationTimestamp: new Date(table.creationMs),
    LeaseCount: table.leaseCount,
  };
}

/** A lease on the wire (the Lease shape of model.ts). */
export function wireLease(lease: StoredLease): Record<string, unknown> {
  return {
    LeaseKey: lease.leaseKey,
    ...(lease.leaseOwner === undefined ? {} : { LeaseOwner: lease.leaseOwner }),
    LeaseCounter: lease.leaseCounter,
    Checkpoint: lease.checkpoint,
    CheckpointSubSequenceNumber: lease.checkpointSubSequenceNumber,
    OwnerSwitchesSinceCheckpoint: lease.ownerSwitchesSinceCheckpoint,
    ParentShardIds: [...lease.parentShardIds],
    ...(lease.childShardIds === undefined ? {} : { ChildShardIds: [...lease.childShardIds] }),
    ...(lease.startingHashKey === undefined ? {} : { StartingHashKey: lease.startingHashKey }),
    ...(lease.endingHashKey === undefined ? {} : { EndingHashKey: lease.endingHashKey }),
  };
}

function checkHashKey(member: string, value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const number = BigInt(value);
  if (number > hashKeyMax) throw leaseErrors.hashKeyOutOfRange(member, value);
  return number;
}

/** The checked Lease member of PutLease; empty lists are stored as absent / empty, as on DynamoDB. */
function storedLease(wire: Record<string, unknown>): StoredLease {
  const startingHashKey = optionalText(wire, 'StartingHashKey');
  const endingHashKey = optionalText(wire, 'EndingHashKey');
  const starting = checkHashKey('StartingHashKey', startingHashKey);
  const ending = checkHashKey('EndingHashKey', endingHashKey);
  if (starting !== undefined && ending !== undefined && starting > ending) {
    throw leaseErrors.hashKeysReversed(startingHashKey as string, endingHashKey as string);
  }
  const leaseOwner = optionalText(wire, 'LeaseOwner');
  const parents = (wire.ParentShardIds as string[] | undefined) ?? [];
  const children = (wire.ChildShardIds as string[] | undefined) ?? [];
  return {
    leaseKey: text(wire, 'LeaseKey'),
    ...(leaseOwner === undefined ? {} : { leaseOwner }),
    leaseCounter: optionalNumber(wire, 'LeaseCounter') ?? 0,
    checkpoint: text(wire, 'Checkpoint'),
    checkpointSubSequenceNumber: optionalNumber(wire, 'CheckpointSubSequenceNumber') ?? 0,
    ownerSwitchesSinceCheckpoint: optionalNumber(wire, 'OwnerSwitchesSinceCheckpoint') ?? 0,
    parentShardIds: [...parents],
    ...(children.length === 0 ? {} : { childShardIds: [...children] }),
    ...(startingHashKey === undefined ? {} : { startingHashKey }),
    ...(endingHashKey === undefined ? {} : { endingHashKey }),
  };
}

interface Expectations {
  readonly notExists: boolean;
  readonly counter: number | undefined;
  readonly owner: string | undefined;
}

function expectationsOf(input: RpcInput): Expectations {
  const expectations = {
    notExists: input.ExpectNotExists === true,
    counter: optionalNumber(input, 'ExpectedLeaseCounter'),
    owner: optionalText(input, 'ExpectedLeaseOwner'),
  };
  if (expectations.notExists && (expectations.counter !== undefined || expectations.owner !== undefined)) {
    throw leaseErrors.contradictoryConditions();
  }
  return expectations;
}

/** True when the stored lease (undefined: none) meets every expectation. */
function holds(expectations: Expectations, stored: StoredLease | undefined): boolean {
  if (expectations.notExists) return stored === undefined;
  if (expectations.counter !== undefined && stored?.leaseCounter !== expectations.counter) return false;
  if (expectations.owner !== undefined && stored?.leaseOwner !== expectations.owner) return false;
  return true;
}

/** One page after `afterKey`, and the token for the next (sealed to the table's id). */
function page(
  leases: StoredLease[],
  table: LeaseTable,
  afterKey: string | undefined,
  limit: number,
): Record<string, unknown> {
  const start = afterKey === undefined ? 0 : leases.findIndex((lease) => lease.leaseKey > afterKey);
  const slice = start < 0 ? [] : leases.slice(start, start + limit);
  const last = slice.at(-1);
  const more = start >= 0 && start + limit < leases.length && last !== undefined;
  return {
    Leases: slice.map(wireLease),
    ...(more ? { NextToken: encodeToken(table.tableId, last.leaseKey) } : {}),
  };
}

function encodeToken(tableId: string, afterKey: string): string {
  return Buffer.from(JSON.stringify({ t: tableId, k: afterKey }), 'utf8').toString('base64url');
}

function decodeToken(token: string, tableId: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw leaseErrors.invalidNextToken();
  }
  const fields = parsed as { t?: unknown; k?: unknown } | null;
  if (typeof fields !== 'object' || fields === null || fields.t !== tableId || typeof fields.k !== 'string') {
    throw leaseErrors.invalidNextToken();
  }
  return fields.k;
}

const createLeaseTable: LeaseOperation = async (tables, input) => {
  const application = text(input, 'ApplicationName');
  const created = await tables.create(application);
  if (created === 'exists') throw leaseErrors.tableExists(application);
  if (created === 'limit') throw leaseErrors.tablesLimit(leaseLimits.tablesMax);
  return { LeaseTable: describe(created) };
};

const describeLeaseTable: LeaseOperation = async (tables, input) => ({
  LeaseTable: describe(existingTable(tables, text(input, 'ApplicationName'))),
});

const deleteLeaseTable: LeaseOperation = async (tables, input) => {
  const application = text(input, 'ApplicationName');
  if (!(await tables.delete(application))) throw leaseErrors.tableNotFound(application);
  return {};
};

const listLeaseTables: LeaseOperation = async (tables, input) => {
  const limit = optionalNumber(input, 'Limit') ?? listLeasesLimitDefault;
  const token = optionalText(input, 'NextToken');
  const names = tables.names();
  const afterName = token === undefined ? undefined : decodeToken(token, 'tables');
  const start = afterName === undefined ? 0 : names.findIndex((name) => name > afterName);
  const slice = start < 0 ? [] : names.slice(start, start + limit);
  const last = slice.at(-1);
  const more = start >= 0 && start + limit < names.length && last !== undefined;
  return { ApplicationNames: slice, ...(more ? { NextToken: encodeToken('tables', last) } : {}) };
};

const listLeases: LeaseOperation = async (tables, input) => {
  const table = existingTable(tables, text(input, 'ApplicationName'));
  const token = optionalText(input, 'NextToken');
  const afterKey = token === undefined ? undefined : decodeToken(token, table.tableId);
  const limit = optionalNumber(input, 'Limit') ?? listLeasesLimitDefault;
  return page(tables.leases(table), table, afterKey, limit);
};

const getLease: LeaseOperation = async (tables, input) => {
  const table = existingTable(tables, text(input, 'ApplicationName'));
  const lease = tables.lease(table, text(input, 'LeaseKey'));
  return lease === undefined ? {} : { Lease: wireLease(lease) };
};

const putLease: LeaseOperation = async (tables, input) => {
  const application = text(input, 'ApplicationName');
  const lease = storedLease(input.Lease as Record<string, unknown>);
  const expectations = expectationsOf(input);
  const decide = (stored: StoredLease | undefined): LeaseDecision =>
    holds(expectations, stored) ? { kind: 'put', lease } : { kind: 'refuse' };
  const result = await tables.change(application, lease.leaseKey, decide);
  if (result.kind === 'no-table') throw leaseErrors.tableNotFound(application);
  if (result.kind === 'condition-failed') throw leaseErrors.conditionFailed();
  if (result.kind === 'limit') throw leaseErrors.leasesLimit(application, leaseLimits.leasesPerTableMax);
  return { Lease: wireLease(lease) };
};

const deleteLease: LeaseOperation = async (tables, input) => {
  const application = text(input, 'ApplicationName');
  const expectations = expectationsOf(input);
  const decide = (stored: StoredLease | undefined): LeaseDecision =>
    holds(expectations, stored) ? { kind: 'remove' } : { kind: 'refuse' };
  const result = await tables.change(application, text(input, 'LeaseKey'), decide);
  if (result.kind === 'no-table') throw leaseErrors.tableNotFound(application);
  if (result.kind !== 'done') throw leaseErrors.conditionFailed();
  return result.value === undefined ? {} : { Lease: wireLease(result.value) };
};

export const leasesOperations: Readonly<Record<string, LeaseOperation>> = {
  CreateLeaseTable: createLeaseTable,
  DescribeLeaseTable: describeLeaseTable,
  DeleteLeaseTable: deleteLeaseTable,
  ListLeaseTables: listLeaseTables,
  ListLeases: listLeases,
  GetLease: getLease,
  PutLease: putLease,
  DeleteLease: deleteLease,
};
