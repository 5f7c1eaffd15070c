/**
 * The lease extension's error catalog. Names and status codes are DynamoDB's for the same
 * situations (ConditionalCheckFailedException, ResourceNotFoundException, ResourceInUseException,
 * LimitExceededException), so the two lease stores fail alike; InvalidArgumentException is
 * Kinesis's name for input that passes the model but makes no sense.
 */
import { ServiceError } from '../../protocol/service-error.js';

const client = (type: string, message: string): ServiceError => new ServiceError(type, message);

export const leaseErrors = {
  /** DynamoDB's exact message for a failed ConditionExpression. */
  conditionFailed: () => client('ConditionalCheckFailedException', 'The conditional request failed'),
  tableNotFound: (application: string) => client('ResourceNotFoundException', `Lease table ${application} not found.`),
  tableExists: (application: string) => client('ResourceInUseException', `Lease table ${application} already exists.`),
  tablesLimit: (limit: number) =>
    client('LimitExceededException', `This server holds at most ${limit} lease tables; delete one first.`),
  leasesLimit: (application: string, limit: number) =>
    client('LimitExceededException', `Lease table ${application} holds at most ${limit} leases; delete some first.`),
  invalidNextToken: () => client('InvalidArgumentException', 'Invalid NextToken.'),
  contradictoryConditions: () =>
    client('InvalidArgumentException', 'ExpectNotExists excludes ExpectedLeaseCounter and ExpectedLeaseOwner.'),
  hashKeyOutOfRange: (member: string, value: string) =>
    client('InvalidArgumentException', `${member} must be in the range [0, 2^128-1]. Specified value was ${value}.`),
  hashKeysReversed: (starting: string, ending: string) =>
    client('InvalidArgumentException', `StartingHashKey ${starting} must not be greater than EndingHashKey ${ending}.`),
};
