/** Three worker processes, polling retrieval, leases in DynamoDB with KCL's schema (dynalite). */
import { DynamoDbLeaseStore } from '../leases/dynamodb-lease-store.js';
import { type Dynalite, startDynalite } from '../testing/dynalite.js';
import { multiProcessSuite } from './multi-process-suite.js';

let dynalite: Dynalite | undefined;
multiProcessSuite(
  'polling',
  'DynamoDB',
  async () => {
    const started = await startDynalite();
    dynalite = started;
    return {
      workerStore: () => ({ dynamoDbUrl: started.url }),
      observer: (_client, applicationName) => new DynamoDbLeaseStore({ client: started.client(), applicationName }),
    };
  },
  async () => {
    await dynalite?.stop();
  },
);
