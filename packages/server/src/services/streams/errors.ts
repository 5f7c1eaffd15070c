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
  // Stored records that fail their checksum are never served (docs/errors.md): a server fault,
  // as the InternalFailureException AWS's model declares for GetRecords. The wording is ours.
  corruptRecords: (shardId: string, name: string, account: string, firstSequence: string, recordCount?: number) =>
    new ServiceError(
      'InternalFailureException',
      `Stored records of shard ${shardId} in stream ${name} under account ${account} failed their integrity ` +
        `check and cannot be served: ${recordCount === undefined ? 'records' : `${recordCount} records`} from ` +
        `sequence number ${firstSequence}.`,
      { statusCode: 500, fault: 'server' },
    ),
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
  // Enhanced fan-out. Recorded AWS answers: "Consumer C with creation timestamp T under stream: S,
  // account A not found." (SubscribeToShard, apache/flink connector issue #44, 2021), "… under
  // stream: S , account A is not in ACTIVE status." (SubscribeToShard, kinesis-hot-shard-advisor
  // #37, 2024), "… under stream S and account A is not in ACTIVE status." (PutResourcePolicy,
  // cloudformation-coverage-roadmap #2442, 2025) and "Another active subscription exists for this
  // consumer" (a prefix, asserted by a Spark connector's test against AWS). The others are ours.
  consumerNotFound: (consumerName: string, epochSeconds: number | string, streamName: string, account: string) =>
    client(
      'ResourceNotFoundException',
      `Consumer ${consumerName} with creation timestamp ${epochSeconds} under stream: ${streamName}, ` +
        `account ${account} not found.`,
    ),
  consumerNameNotFound: (consumerName: string, streamName: string, account: string) =>
    client(
      'ResourceNotFoundException',
      `Consumer ${consumerName} under stream: ${streamName}, account ${account} not found.`,
    ),
  consumerNotActiveForSubscription: (consumerName: string, epochSeconds: number, streamName: string, account: string) =>
    client(
      'ResourceInUseException',
      `Consumer ${consumerName} with creation timestamp ${epochSeconds} under stream: ${streamName} , ` +
        `account ${account} is not in ACTIVE status.`,
    ),
  consumerNotActive: (consumerName: string, epochSeconds: number, streamName: string, account: string) =>
    client(
      'ResourceInUseException',
      `Consumer ${consumerName} with creation timestamp ${epochSeconds} under stream ${streamName} and ` +
        `account ${account} is not in ACTIVE status.`,
    ),
  consumerExists: (consumerName: string, streamName: string, account: string) =>
    client(
      'ResourceInUseException',
      `Consumer ${consumerName} under stream ${streamName} and account ${account} already exists.`,
    ),
  consumerLimit: (streamName: string, account: string, limit: number) =>
    client(
      'LimitExceededException',
      `Stream ${streamName} under account ${account} already has the maximum of ${limit} registered consumers.`,
    ),
  consumersCreatingLimit: (account: string, limit: number) =>
    client(
      'LimitExceededException',
      `Account ${account} already has ${limit} consumers in CREATING status. Wait until one of them is ACTIVE ` +
        'and register again.',
    ),
  consumerAddressMissing: () =>
    client('InvalidArgumentException', 'Either ConsumerARN or both StreamARN and ConsumerName must be provided.'),
  invalidConsumerArn: (arn: string) => client('InvalidArgumentException', `Invalid ConsumerARN ${arn}.`),
  streamHasConsumers: (name: string, account: string) =>
    client(
      'ResourceInUseException',
      `DeleteStream can't delete ${account}:${name} because there are consumers associated with this data ` +
        `stream. To delete ${name} anyway, set the EnforceConsumerDeletion parameter to true to force the ` +
        'deletion of all the consumers that are associated with it.',
    ),
  startingPositionMismatch: (type: string, hasSequence: boolean) =>
    client(
      'InvalidArgumentException',
      'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and SequenceNumber or ' +
        `(2) TRIM_HORIZON or LATEST and no SequenceNumber. Request specified ${type} and ` +
        `${hasSequence ? 'also a' : 'no'} SequenceNumber.`,
    ),
  invalidStartingPositionSequence: (sequence: string, shardId: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `SequenceNumber ${sequence} used in SubscribeToShard on shard ${shardId} in stream ${name} ` +
        `under account ${account} is invalid.`,
    ),
  subscriptionInUse: (consumerArn: string) =>
    client('ResourceInUseException', `Another active subscription exists for this consumer: ${consumerArn}`),
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
  splitKeyOutOfRange: (key: string, shardId: string, name: string, account: string, start: string, end: string) =>
    client(
      'InvalidArgumentException',
      `NewStartingHashKey ${key} used in SplitShard() on shard ${shardId} in stream ${name} under account ${account} ` +
        `is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's ` +
        `EndingHashKey ${end}.`,
    ),
  shardsNotAdjacent: (shardId: string, adjacentShardId: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `Shards ${shardId} and ${adjacentShardId} in stream ${name} under account ${account} are not an adjacent ` +
        'pair of shards eligible for merging',
    ),
  shardAlreadyClosed: (shardId: string, name: string, account: string) =>
    client(
      'InvalidArgumentException',
      `Shard ${shardId} in stream ${name} under account ${account} has already been merged or split, and thus is ` +
        'not eligible for merging or splitting.',
    ),
  streamIsOnDemand: (name: string, account: string) =>
    client('ValidationException', `Request is invalid. Stream ${name} under account ${account} is in On-Demand mode.`),
  scaleUpOverDouble: (current: number, target: number) =>
    client(
      'LimitExceededException',
      'UpdateShardCount cannot scale up over double your current open shard count. ' +
        `Current open shard count: ${current}, Target shard count: ${target}`,
    ),
  scaleDownBelowHalf: (current: number, target: number) =>
    client(
      'LimitExceededException',
      'UpdateShardCount cannot scale down below half your current open shard count. ' +
        `Current open shard count: ${current}, Target shard count: ${target}`,
    ),
  streamShardCountLimit: (limit: number, current: number, target: number) =>
    client(
      'LimitExceededException',
      `Target shard count or number of open shards cannot be greater than ${limit}. ` +
        `Current open shard count: ${current}, Target shard count: ${target}`,
    ),
  tooManyShardCountUpdates: (name: string, account: string, callsMax: number) =>
    client(
      'LimitExceededException',
      `UpdateShardCount cannot be called more than ${callsMax} times in a rolling 24-hour period ` +
        `for stream ${name} under account ${account}.`,
    ),
  tooManyStreamModeUpdates: (name: string, account: string, callsMax: number) =>
    client(
      'LimitExceededException',
      `The capacity mode of stream ${name} under account ${account} cannot be changed more than ${callsMax} ` +
        'times in a rolling 24-hour period.',
    ),
  streamModeUnchanged: (name: string, account: string, mode: string) =>
    client('InvalidArgumentException', `Stream ${name} under account ${account} is already in ${mode} mode.`),
  warmThroughputNeedsOnDemand: () =>
    client('InvalidArgumentException', 'WarmThroughputMiBps can only be specified for the ON_DEMAND stream mode.'),
  onDemandStreamLimit: (account: string, limit: number) =>
    client(
      'LimitExceededException',
      `This request would exceed the limit of ${limit} on-demand streams for the account ${account}.`,
    ),
  throughputExceeded: (shardId: string, name: string, account: string) =>
    new ServiceError(
      'ProvisionedThroughputExceededException',
      `Rate exceeded for shard ${shardId} in stream ${name} under account ${account}.`,
    ),
  // Encryption at rest. The KMS messages are KMS's own wording for the same miss (Kinesis passes
  // KMS's answer on); the others are Tributary's (docs/errors.md).
  kmsNotFound: (message: string) => client('KMSNotFoundException', message),
  kmsDisabled: (message: string) => client('KMSDisabledException', message),
  kmsAccessDenied: (keyArn: string, name: string, account: string) =>
    client(
      'KMSAccessDeniedException',
      `The data key of stream ${name} under account ${account} cannot be decrypted with ${keyArn}.`,
    ),
  encryptionTypeNotKms: (operation: string) =>
    client('InvalidArgumentException', `Encryption type NONE is not valid for ${operation}. Specify KMS.`),
  encryptionKeyUpdatesExceeded: (name: string, account: string, limit: number) =>
    client(
      'LimitExceededException',
      `Stream ${name} under account ${account} has had server-side encryption started ${limit} times in the ` +
        'last 24 hours, the maximum.',
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
