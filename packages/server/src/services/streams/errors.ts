/**
 * The Kinesis Data Streams error catalog: every wire error the service raises, with AWS's message.
 * Messages follow what AWS returns (recorded by kinesalite against the real service where it
 * covered the operation); where AWS's exact words are unknown the message says so in
 * docs/errors.md.
 */
import { ServiceError } from '../../protocol/service-error.js';

const client = (type: string, message: string): ServiceError => new ServiceError(type, message);

export const streamErrors = {
  streamNotFound: (name: string, account: string) =>
    client('ResourceNotFoundException', `Stream ${name} under account ${account} not found.`),
  streamExists: (name: string, account: string) =>
    client('ResourceInUseException', `Stream ${name} under account ${account} already exists.`),
  streamNotActive: (name: string, account: string, status: string) =>
    client('ResourceInUseException', `Stream ${name} under account ${account} not ACTIVE, instead in state ${status}`),
  streamNameOrArnMissing: () => client('InvalidArgumentException', 'Either StreamName or StreamARN must be provided.'),
  streamNameArnMismatch: (name: string, arn: string) =>
    client('InvalidArgumentException', `StreamName ${name} and StreamARN ${arn} do not refer to the same stream.`),
  shardNotFound: (shardId: string, name: string, account: string) =>
    client('ResourceNotFoundException', `Shard ${shardId} in stream ${name} under account ${account} does not exist`),
  shardUnresolvable: (shardId: string, name: string, account: string) =>
    client('ResourceNotFoundException', `Could not find shard ${shardId} in stream ${name} under account ${account}.`),
  shardLimit: (account: string, region: string, current: number, limit: number, added: number) =>
    client(
      'LimitExceededException',
      `This request would exceed the shard limit for the account ${account} in ${region}. ` +
        `Current shard count for the account: ${current}. Limit: ${limit}. ` +
        `Number of additional shards that would have resulted from this request: ${added}. ` +
        'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
        'for current limits and how to request higher limits.',
    ),
  invalidExplicitHashKey: (value: string) =>
    client(
      'InvalidArgumentException',
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${value}`,
    ),
  invalidSequenceForOrdering: (value: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `ExclusiveMinimumSequenceNumber ${value} used in PutRecord on stream ${name} under account ${account} is invalid.`,
    ),
  recordTooLarge: (sizeBytes: number, maxKiB: number, name: string) =>
    client(
      'ValidationException',
      `Record size ${sizeBytes} bytes exceeds the maximum record size of ${maxKiB} KiB configured for stream ${name}.`,
    ),
  invalidIterator: () => client('InvalidArgumentException', 'Invalid ShardIterator.'),
  expiredIterator: (issuedMs: number, nowMs: number, toleratedMs: number) =>
    client(
      'ExpiredIteratorException',
      `Iterator expired. The iterator was created at time ${amzDate(issuedMs)} while right now it is ` +
        `${amzDate(nowMs)} which is further in the future than the tolerated delay of ${toleratedMs} milliseconds.`,
    ),
  iteratorTypeMismatch: (type: string, hasSequence: boolean) =>
    client(
      'InvalidArgumentException',
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or ' +
        `(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified ${type} and ` +
        `${hasSequence ? 'also a' : 'no'} StartingSequenceNumber.`,
    ),
  invalidStartingSequence: (sequence: string, shardId: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `StartingSequenceNumber ${sequence} used in GetShardIterator on shard ${shardId} in stream ${name} ` +
        `under account ${account} is invalid.`,
    ),
  sequenceFromOtherShard: (encodedShardId: string, shardId: string) =>
    client(
      'InvalidArgumentException',
      `Invalid StartingSequenceNumber. It encodes ${encodedShardId}, while it was used in a call to a shard with ${shardId}`,
    ),
  sequenceFromOtherStream: (sequence: string, shardId: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `StartingSequenceNumber ${sequence} used in GetShardIterator on shard ${shardId} in stream ${name} ` +
        `under account ${account} is invalid because it did not come from this stream.`,
    ),
  timestampMissing: () =>
    client(
      'InvalidArgumentException',
      'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
    ),
  timestampInFuture: (timestampMs: number, nowMs: number) =>
    client(
      'InvalidArgumentException',
      'The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. ' +
        `timestampInMillis: ${timestampMs}, currentTimestampInMillis: ${nowMs}`,
    ),
  retentionTooShort: (hours: number) =>
    client(
      'InvalidArgumentException',
      `Minimum allowed retention period is 24 hours. Requested retention period (${hours} hours) is too short.`,
    ),
  retentionTooLong: (hours: number) =>
    client(
      'InvalidArgumentException',
      `Maximum allowed retention period is 8760 hours. Requested retention period (${hours} hours) is too long.`,
    ),
  retentionNotIncrease: (hours: number, name: string, current: number) =>
    client(
      'InvalidArgumentException',
      `Requested retention period (${hours} hours) for stream ${name} can not be shorter than existing ` +
        `retention period (${current} hours). Use DecreaseRetentionPeriod API.`,
    ),
  retentionNotDecrease: (hours: number, name: string, current: number) =>
    client(
      'InvalidArgumentException',
      `Requested retention period (${hours} hours) for stream ${name} can not be longer than existing ` +
        `retention period (${current} hours). Use IncreaseRetentionPeriod API.`,
    ),
  tagCharacters: () =>
    client(
      'InvalidArgumentException',
      'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
    ),
  tagPercent: (action: 'add' | 'remove', name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `Failed to ${action === 'add' ? 'add tags to' : 'remove tags from'} stream ${name} under account ${account} ` +
        "because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.",
    ),
  tooManyTags: (name: string, account: string, limit: number) =>
    client(
      'InvalidArgumentException',
      `Failed to add tags to stream ${name} under account ${account} because a given stream cannot have ` +
        `more than ${limit} tags associated with it.`,
    ),
  invalidResourceArn: (arn: string) => client('InvalidArgumentException', `Invalid ResourceARN ${arn}.`),
  consumerNotFound: (consumerName: string, streamName: string, account: string) =>
    client(
      'ResourceNotFoundException',
      `Consumer ${consumerName} of stream ${streamName} under account ${account} not found.`,
    ),
  resourcePolicyNotFound: (arn: string) =>
    client('ResourceNotFoundException', `No resource policy found for resource ARN ${arn}.`),
  resourcePolicyNotObject: () => client('InvalidArgumentException', 'Policy must be a valid JSON object.'),
  warmThroughputNotOnDemand: (name: string, account: string, mode: string) =>
    client(
      'InvalidArgumentException',
      `Warm throughput can only be updated for streams in ON_DEMAND mode. Stream ${name} under account ${account} ` +
        `is in ${mode} mode.`,
    ),
  warmThroughputCommitmentRequired: (account: string) =>
    client(
      'InvalidArgumentException',
      `Warm throughput requires MinimumThroughputBillingCommitment to be enabled for account ${account}. ` +
        'Enable it with UpdateAccountSettings.',
    ),
  warmThroughputTooHigh: (requestedMiBps: number, maxMiBps: number) =>
    client(
      'LimitExceededException',
      `Requested warm throughput of ${requestedMiBps} MiBps exceeds the maximum of ${maxMiBps} MiBps for an ` +
        'on-demand stream.',
    ),
  invalidArgument: (message: string) => client('InvalidArgumentException', message),
  resourceNotFound: (message: string) => client('ResourceNotFoundException', message),
  limitExceeded: (message: string) => client('LimitExceededException', message),
  expiredNextToken: () => client('ExpiredNextTokenException', 'The NextToken has expired.'),
};

/** Dates in AWS's error messages read like "Thu Jan 01 00:00:00 UTC 1970" (Java's Date.toString). */
function amzDate(ms: number): string {
  // toUTCString() gives "Thu, 01 Jan 1970 00:00:00 GMT".
  const [weekday, day, month, year, time] = new Date(ms).toUTCString().replace(',', '').split(' ');
  return `${weekday} ${month} ${day} ${time} UTC ${year}`;
}
