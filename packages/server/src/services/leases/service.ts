/**
 * Tributary's lease extension as the front door sees it: its own target prefix
 * (`TributaryLeases_20261126`), its own model, the operation table, and IAM rules. It keeps the
 * leases and checkpoints of consumer applications (@tributary/client's NativeLeaseStore) in the
 * server's MetaStore, so they are as durable as the streams' metadata. Reference:
 * docs/client/leases.md ("Extension API").
 */
import type { RpcAuthorization, RpcInput, RpcService } from '../../protocol/rpc-service.js';
import type { MetaStore } from '../../storage/ports.js';
import { LeaseTables } from './lease-tables.js';
import { leasesModel } from './model.js';
import { leasesOperations } from './operations.js';

/** IAM's service prefix for the extension: a policy allows e.g. `tributary-leases:PutLease`. */
export const leasesActionPrefix = 'tributary-leases';

export interface LeasesService extends RpcService {
  readonly tables: LeaseTables;
}

export async function createLeasesService(options: {
  meta: MetaStore;
  region: string;
  accountId: string;
  clock?: () => number;
}): Promise<LeasesService> {
  const tables = new LeaseTables(options.meta, options.clock ?? Date.now);
  await tables.load();
  return {
    targetPrefix: leasesModel.targetPrefix,
    model: leasesModel,
    tables,
    implements: (operation) => Object.hasOwn(leasesOperations, operation),
    authorization: leasesAuthorization(options.region, options.accountId),
    invoke: (operation, input) => {
      const handler = leasesOperations[operation];
      if (!handler) throw new Error(`operation ${operation} is not implemented`);
      return handler(tables, input);
    },
  };
}

/**
 * Signed as `kinesis` (so the credentials and signer of a Kinesis client sign lease calls too),
 * authorized as `tributary-leases:<Operation>` on `arn:aws:tributary-leases:<region>:<account>:
 * table/<ApplicationName>` (`*` for ListLeaseTables). Lease tables have no resource policies.
 */
export function leasesAuthorization(region: string, accountId: string): RpcAuthorization {
  return {
    actionPrefix: leasesActionPrefix,
    signingName: 'kinesis',
    resourceArn: (_operation: string, input: RpcInput) => {
      const application = input.ApplicationName;
      return typeof application === 'string' && application !== ''
        ? leaseTableArn(region, accountId, application)
        : '*';
    },
    resourcePolicy: () => undefined,
  };
}

export function leaseTableArn(region: string, accountId: string, application: string): string {
  return `arn:aws:${leasesActionPrefix}:${region}:${accountId}:table/${application}`;
}
