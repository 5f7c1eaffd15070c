/**
 * The API model of Tributary's lease extension (`TributaryLeases_20261126`), in the format of the
 * Kinesis model AWS publishes (protocol/model.ts), so the front door checks its input exactly as
 * it checks Kinesis calls: SerializationException for wrong types, one ValidationException
 * listing the violated constraints. Written by hand: there is no AWS model to generate it from.
 * The reference for users is docs/client/leases.md ("Extension API").
 *
 * Lengths and patterns follow what the leases hold: application names are DynamoDB table names
 * (the DynamoDB lease store uses the application name as its table name, so one name works with
 * both stores); lease keys are shard ids, or KCL multi-stream keys `account:stream:epoch:shardId`;
 * checkpoints are Kinesis sequence numbers (`0|([1-9]\d{0,128})`, Kinesis's SequenceNumber
 * pattern) or KCL's sentinels; hash keys are Kinesis's HashKey pattern.
 */
import type { ApiModel } from '../../protocol/model.js';

export const leasesTargetPrefix = 'TributaryLeases_20261126';

const tableOperationErrors = ['ResourceNotFoundException', 'ValidationException', 'AccessDeniedException'];

export const leasesModel: ApiModel = {
  targetPrefix: leasesTargetPrefix,
  operations: {
    CreateLeaseTable: {
      input: 'CreateLeaseTableInput',
      output: 'CreateLeaseTableOutput',
      errors: ['ResourceInUseException', 'LimitExceededException', 'ValidationException', 'AccessDeniedException'],
    },
    DescribeLeaseTable: {
      input: 'DescribeLeaseTableInput',
      output: 'DescribeLeaseTableOutput',
      errors: tableOperationErrors,
    },
    DeleteLeaseTable: { input: 'DeleteLeaseTableInput', output: null, errors: tableOperationErrors },
    ListLeaseTables: {
      input: 'ListLeaseTablesInput',
      output: 'ListLeaseTablesOutput',
      errors: ['InvalidArgumentException', 'ValidationException', 'AccessDeniedException'],
    },
    ListLeases: {
      input: 'ListLeasesInput',
      output: 'ListLeasesOutput',
      errors: [...tableOperationErrors, 'InvalidArgumentException'],
    },
    GetLease: { input: 'GetLeaseInput', output: 'GetLeaseOutput', errors: tableOperationErrors },
    PutLease: {
      input: 'PutLeaseInput',
      output: 'PutLeaseOutput',
      errors: [
        ...tableOperationErrors,
        'ConditionalCheckFailedException',
        'InvalidArgumentException',
        'LimitExceededException',
      ],
    },
    DeleteLease: {
      input: 'DeleteLeaseInput',
      output: 'DeleteLeaseOutput',
      errors: [...tableOperationErrors, 'ConditionalCheckFailedException'],
    },
  },
  shapes: {
    ApplicationName: { type: 'string', min: 3, max: 255, pattern: '[a-zA-Z0-9_.-]+' },
    LeaseKey: { type: 'string', min: 1, max: 256, pattern: '[a-zA-Z0-9_.:-]+' },
    // Worker ids are free text (KCL: host name and a UUID); control characters are refused.
    LeaseOwner: { type: 'string', min: 1, max: 256, pattern: '[^\\x00-\\x1f\\x7f]+' },
    // Counters stay exact in every JavaScript client: at most 2^53 - 1.
    LeaseCounter: { type: 'long', min: 0, max: Number.MAX_SAFE_INTEGER },
    Count: { type: 'long', min: 0, max: Number.MAX_SAFE_INTEGER },
    Checkpoint: {
      type: 'string',
      min: 1,
      max: 129,
      pattern: 'TRIM_HORIZON|LATEST|AT_TIMESTAMP|SHARD_END|0|([1-9]\\d{0,128})',
    },
    ShardIdList: { type: 'list', member: 'LeaseKey', min: 0, max: 2 },
    HashKey: { type: 'string', pattern: '0|([1-9]\\d{0,38})' },
    BooleanObject: { type: 'boolean' },
    Timestamp: { type: 'timestamp' },
    ListLimit: { type: 'integer', min: 1, max: 1000 },
    NextToken: { type: 'string', min: 1, max: 1024 },
    TableStatus: { type: 'string', enum: ['ACTIVE'] },
    Lease: {
      type: 'structure',
      members: {
        LeaseKey: 'LeaseKey',
        LeaseOwner: 'LeaseOwner',
        LeaseCounter: 'LeaseCounter',
        Checkpoint: 'Checkpoint',
        CheckpointSubSequenceNumber: 'Count',
        OwnerSwitchesSinceCheckpoint: 'Count',
        ParentShardIds: 'ShardIdList',
        ChildShardIds: 'ShardIdList',
        StartingHashKey: 'HashKey',
        EndingHashKey: 'HashKey',
      },
      required: [
        'LeaseKey',
        'LeaseCounter',
        'Checkpoint',
        'CheckpointSubSequenceNumber',
        'OwnerSwitchesSinceCheckpoint',
      ],
    },
    LeaseList: { type: 'list', member: 'Lease' },
    LeaseTableDescription: {
      type: 'structure',
      members: {
        ApplicationName: 'ApplicationName',
        TableStatus: 'TableStatus',
        CreationTimestamp: 'Timestamp',
        LeaseCount: 'Count',
      },
      required: ['ApplicationName', 'TableStatus', 'CreationTimestamp', 'LeaseCount'],
    },
    ApplicationNameList: { type: 'list', member: 'ApplicationName' },
    CreateLeaseTableInput: {
      type: 'structure',
      members: { ApplicationName: 'ApplicationName' },
      required: ['ApplicationName'],
    },
    CreateLeaseTableOutput: {
      type: 'structure',
      members: { LeaseTable: 'LeaseTableDescription' },
      required: ['LeaseTable'],
    },
    DescribeLeaseTableInput: {
      type: 'structure',
      members: { ApplicationName: 'ApplicationName' },
      required: ['ApplicationName'],
    },
    DescribeLeaseTableOutput: {
      type: 'structure',
      members: { LeaseTable: 'LeaseTableDescription' },
      required: ['LeaseTable'],
    },
    DeleteLeaseTableInput: {
      type: 'structure',
      members: { ApplicationName: 'ApplicationName' },
      required: ['ApplicationName'],
    },
    ListLeaseTablesInput: {
      type: 'structure',
      members: { Limit: 'ListLimit', NextToken: 'NextToken' },
    },
    ListLeaseTablesOutput: {
      type: 'structure',
      members: { ApplicationNames: 'ApplicationNameList', NextToken: 'NextToken' },
      required: ['ApplicationNames'],
    },
    ListLeasesInput: {
      type: 'structure',
      members: { ApplicationName: 'ApplicationName', Limit: 'ListLimit', NextToken: 'NextToken' },
      required: ['ApplicationName'],
    },
    ListLeasesOutput: {
      type: 'structure',
      members: { Leases: 'LeaseList', NextToken: 'NextToken' },
      required: ['Leases'],
    },
    GetLeaseInput: {
      type: 'structure',
      members: { ApplicationName: 'ApplicationName', LeaseKey: 'LeaseKey' },
      required: ['ApplicationName', 'LeaseKey'],
    },
    GetLeaseOutput: { type: 'structure', members: { Lease: 'Lease' } },
    PutLeaseInput: {
      type: 'structure',
      members: {
        ApplicationName: 'ApplicationName',
        Lease: 'Lease',
        ExpectNotExists: 'BooleanObject',
        ExpectedLeaseCounter: 'LeaseCounter',
        ExpectedLeaseOwner: 'LeaseOwner',
      },
      required: ['ApplicationName', 'Lease'],
    },
    PutLeaseOutput: { type: 'structure', members: { Lease: 'Lease' }, required: ['Lease'] },
    DeleteLeaseInput: {
      type: 'structure',
      members: {
        ApplicationName: 'ApplicationName',
        LeaseKey: 'LeaseKey',
        ExpectedLeaseCounter: 'LeaseCounter',
        ExpectedLeaseOwner: 'LeaseOwner',
      },
      required: ['ApplicationName', 'LeaseKey'],
    },
    DeleteLeaseOutput: { type: 'structure', members: { Lease: 'Lease' } },
  },
};
