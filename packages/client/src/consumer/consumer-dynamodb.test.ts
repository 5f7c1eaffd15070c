/**
 * The consumer suite with leases in DynamoDB (KCL's lease schema, dynalite standing in for
 * DynamoDB), polling retrieval: the lease protocol does not depend on where leases live.
 */
import { after, before } from 'node:test';
import { DynamoDbLeaseStore } from '../leases/dynamodb-lease-store.js';
import { type Dynalite, startDynalite } from '../testing/dynalite.js';
import { consumerSuite } from './consumer-suite.js';

let dynalite: Dynalite;
before(async () => {
  dynalite = await startDynalite();
});
after(async () => {
  await dynalite.stop();
});

consumerSuite(
  'polling',
  'DynamoDB',
  (_client, applicationName) => new DynamoDbLeaseStore({ client: dynalite.client(), applicationName }),
);
