/** IAM policy evaluation, table-driven: allow, explicit deny, wildcards, resource policies, default deny. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { authorize } from './authorize.js';
import { evaluatePolicy, type PolicyDecision, PolicyError, parsePolicy } from './policy.js';

const account = '111111111111';
const other = '222222222222';
const stream = (name: string, owner = account): string => `arn:aws:kinesis:us-east-1:${owner}:stream/${name}`;
const alice = { arn: `arn:aws:iam::${account}:user/alice`, accountId: account };
const mallory = { arn: `arn:aws:iam::${other}:user/mallory`, accountId: other };

const allow = (Action: unknown, Resource: unknown = '*') => ({ Effect: 'Allow', Action, Resource });
const deny = (Action: unknown, Resource: unknown = '*') => ({ Effect: 'Deny', Action, Resource });
const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

interface IdentityCase {
  readonly name: string;
  readonly policy: unknown;
  readonly action: string;
  readonly resource: string;
  readonly decision: PolicyDecision;
}

const identityCases: IdentityCase[] = [
  {
    name: 'an exact action and resource allow',
    policy: policy(allow('kinesis:PutRecord', stream('orders'))),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    decision: 'allow',
  },
  {
    name: 'nothing matching is no decision (default deny)',
    policy: policy(allow('kinesis:PutRecord', stream('orders'))),
    action: 'kinesis:GetRecords',
    resource: stream('orders'),
    decision: 'none',
  },
  {
    name: 'kinesis:* allows every Kinesis action',
    policy: policy(allow('kinesis:*')),
    action: 'kinesis:DeleteStream',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: '* allows every action',
    policy: policy(allow('*')),
    action: 'kinesis:ListStreams',
    resource: '*',
    decision: 'allow',
  },
  {
    name: 'kinesis:Get* allows GetRecords',
    policy: policy(allow('kinesis:Get*')),
    action: 'kinesis:GetRecords',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: 'kinesis:Get* does not allow PutRecord',
    policy: policy(allow('kinesis:Get*')),
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'none',
  },
  {
    name: 'actions compare without case',
    policy: policy(allow('KINESIS:putrecord')),
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: '? matches one character',
    policy: policy(allow('kinesis:PutRecord?')),
    action: 'kinesis:PutRecords',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: '? does not match none',
    policy: policy(allow('kinesis:PutRecord?')),
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'none',
  },
  {
    name: 'a list of actions',
    policy: policy(allow(['kinesis:DescribeStream', 'kinesis:PutRecord'], stream('x'))),
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: 'a resource wildcard over stream names',
    policy: policy(allow('kinesis:*', stream('orders-*'))),
    action: 'kinesis:PutRecord',
    resource: stream('orders-eu'),
    decision: 'allow',
  },
  {
    name: 'the resource wildcard does not reach other names',
    policy: policy(allow('kinesis:*', stream('orders-*'))),
    action: 'kinesis:PutRecord',
    resource: stream('payments'),
    decision: 'none',
  },
  {
    name: 'resources compare with case',
    policy: policy(allow('kinesis:*', stream('Orders'))),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    decision: 'none',
  },
  {
    name: 'a region and account wildcard',
    policy: policy(allow('kinesis:*', 'arn:aws:kinesis:*:*:stream/orders')),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    decision: 'allow',
  },
  {
    name: 'a stream wildcard reaches its consumers',
    policy: policy(allow('kinesis:*', `${stream('orders')}/*`)),
    action: 'kinesis:SubscribeToShard',
    resource: `${stream('orders')}/consumer/c:1`,
    decision: 'allow',
  },
  {
    name: 'Resource * does not match only ARNs: ListStreams acts on *',
    policy: policy(allow('kinesis:ListStreams', stream('*'))),
    action: 'kinesis:ListStreams',
    resource: '*',
    decision: 'none',
  },
  {
    name: 'an explicit deny wins over an allow',
    policy: policy(allow('kinesis:*'), deny('kinesis:DeleteStream')),
    action: 'kinesis:DeleteStream',
    resource: stream('x'),
    decision: 'deny',
  },
  {
    name: 'the deny wins whatever the order',
    policy: policy(deny('kinesis:Delete*'), allow('kinesis:*')),
    action: 'kinesis:DeleteStream',
    resource: stream('x'),
    decision: 'deny',
  },
  {
    name: 'a deny on another resource leaves the allow',
    policy: policy(allow('kinesis:*'), deny('kinesis:*', stream('secret'))),
    action: 'kinesis:PutRecord',
    resource: stream('public'),
    decision: 'allow',
  },
  {
    name: 'NotAction allows all but the listed',
    policy: policy({ Effect: 'Allow', NotAction: 'kinesis:Delete*', Resource: '*' }),
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: 'NotAction leaves out the listed',
    policy: policy({ Effect: 'Allow', NotAction: 'kinesis:Delete*', Resource: '*' }),
    action: 'kinesis:DeleteStream',
    resource: stream('x'),
    decision: 'none',
  },
  {
    name: 'NotResource',
    policy: policy({ Effect: 'Deny', Action: '*', NotResource: stream('open') }),
    action: 'kinesis:PutRecord',
    resource: stream('closed'),
    decision: 'deny',
  },
  {
    name: 'a single statement object instead of a list',
    policy: { Statement: allow('kinesis:*') },
    action: 'kinesis:PutRecord',
    resource: stream('x'),
    decision: 'allow',
  },
  {
    name: 'regular-expression characters in a pattern are literal',
    policy: policy(allow('kinesis:*', 'arn:aws:kinesis:us-east-1:111111111111:stream/a.b')),
    action: 'kinesis:PutRecord',
    resource: stream('aXb'),
    decision: 'none',
  },
];

describe('identity policies', () => {
  for (const item of identityCases) {
    test(item.name, () => {
      const document = parsePolicy(item.policy, 'identity', true);
      assert.equal(
        evaluatePolicy(document, { action: item.action, resource: item.resource, principal: alice }),
        item.decision,
      );
    });
  }
});

describe('identity policies refused at start-up', () => {
  const refused: Array<[string, unknown, RegExp]> = [
    [
      'a Condition',
      policy({ ...allow('kinesis:*'), Condition: { Bool: { 'aws:SecureTransport': 'true' } } }),
      /Condition is not supported/,
    ],
    ['a Principal', policy({ ...allow('kinesis:*'), Principal: '*' }), /cannot name a Principal/],
    ['no Resource', policy({ Effect: 'Allow', Action: 'kinesis:*' }), /needs Resource or NotResource/],
    [
      'Action and NotAction',
      policy({ Effect: 'Allow', Action: '*', NotAction: '*', Resource: '*' }),
      /both Action and NotAction/,
    ],
    ['an unknown Effect', policy({ Effect: 'Maybe', Action: '*', Resource: '*' }), /Effect must be/],
    ['an empty action list', policy(allow([])), /Action must be/],
    ['no statements', { Version: '2012-10-17' }, /at least one Statement/],
    ['not an object', 'kinesis:*', /must be a JSON object/],
  ];
  for (const [what, document, message] of refused) {
    test(`a policy with ${what}`, () => {
      assert.throws(
        () => parsePolicy(document, 'identity', true),
        (error: unknown) => error instanceof PolicyError && message.test(error.message),
      );
    });
  }
});

interface AccessCase {
  readonly name: string;
  readonly principal: typeof alice;
  readonly identity: unknown;
  readonly resourcePolicy?: unknown;
  readonly action: string;
  readonly resource: string;
  /** undefined: allowed; otherwise the end of AWS's message. */
  readonly denied?: string;
}

const grantToOther = (Action: unknown, Principal: unknown = { AWS: `arn:aws:iam::${other}:root` }) =>
  policy({ Effect: 'Allow', Principal, Action, Resource: stream('shared') });

const accessCases: AccessCase[] = [
  {
    name: 'an identity allow within the account',
    principal: alice,
    identity: policy(allow('kinesis:*')),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
  },
  {
    name: 'default deny names the missing identity-based allow',
    principal: alice,
    identity: policy(allow('kinesis:Describe*')),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    denied: 'because no identity-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'an explicit identity deny',
    principal: alice,
    identity: policy(allow('*'), deny('kinesis:PutRecord')),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    denied: 'with an explicit deny in an identity-based policy',
  },
  {
    name: 'a resource policy allow suffices within the account',
    principal: alice,
    identity: policy(allow('kinesis:ListStreams')),
    resourcePolicy: policy({
      Effect: 'Allow',
      Principal: { AWS: alice.arn },
      Action: 'kinesis:PutRecord',
      Resource: stream('orders'),
    }),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
  },
  {
    name: 'an explicit resource-policy deny beats an identity allow',
    principal: alice,
    identity: policy(allow('*')),
    resourcePolicy: policy({
      Effect: 'Deny',
      Principal: '*',
      Action: 'kinesis:DeleteStream',
      Resource: stream('orders'),
    }),
    action: 'kinesis:DeleteStream',
    resource: stream('orders'),
    denied: 'with an explicit deny in a resource-based policy',
  },
  {
    name: 'cross-account: granted by the resource policy and allowed by the identity policy',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: grantToOther(['kinesis:GetRecords', 'kinesis:PutRecord']),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
  },
  {
    name: 'cross-account: an account id principal works too',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: grantToOther('kinesis:PutRecord', { AWS: other }),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
  },
  {
    name: 'cross-account: the user ARN as principal',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: grantToOther('kinesis:PutRecord', { AWS: [mallory.arn] }),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
  },
  {
    name: 'cross-account: no resource policy',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no resource-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'cross-account: the grant names another action',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: grantToOther('kinesis:GetRecords'),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no resource-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'cross-account: the grant names another account',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: grantToOther('kinesis:*', { AWS: '333333333333' }),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no resource-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'cross-account: the resource grant alone is not enough',
    principal: mallory,
    identity: policy(allow('kinesis:Describe*')),
    resourcePolicy: grantToOther('kinesis:*'),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no identity-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'a resource-policy Allow with a Condition grants nothing',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: policy({
      Effect: 'Allow',
      Principal: '*',
      Action: '*',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    }),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no resource-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'a resource-policy Deny with a Condition denies (what cannot be evaluated never grants)',
    principal: alice,
    identity: policy(allow('*')),
    resourcePolicy: policy({
      Effect: 'Deny',
      Principal: '*',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    }),
    action: 'kinesis:PutRecord',
    resource: stream('orders'),
    denied: 'with an explicit deny in a resource-based policy',
  },
  {
    name: 'NotPrincipal denies everyone else',
    principal: mallory,
    identity: policy(allow('*')),
    resourcePolicy: policy(
      { Effect: 'Deny', NotPrincipal: { AWS: alice.arn }, Action: '*', Resource: '*' },
      { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
    ),
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'with an explicit deny in a resource-based policy',
  },
  {
    name: 'a malformed resource policy grants nothing',
    principal: mallory,
    identity: policy(allow('kinesis:*')),
    resourcePolicy: { Statement: [{ Effect: 'Allow' }, 'junk'] },
    action: 'kinesis:PutRecord',
    resource: stream('shared'),
    denied: 'because no resource-based policy allows the kinesis:PutRecord action',
  },
  {
    name: 'account-wide operations act on *',
    principal: alice,
    identity: policy(allow('kinesis:ListStreams')),
    action: 'kinesis:ListStreams',
    resource: '*',
  },
];

describe('authorization decisions', () => {
  for (const item of accessCases) {
    test(item.name, () => {
      const error = authorize({
        principal: item.principal,
        identityPolicy: parsePolicy(item.identity, 'identity', true),
        action: item.action,
        resource: item.resource,
        resourcePolicy:
          item.resourcePolicy === undefined ? undefined : parsePolicy(item.resourcePolicy, 'resource', false),
        serverAccountId: account,
      });
      if (item.denied === undefined) {
        assert.equal(error, undefined, error?.message);
        return;
      }
      assert.equal(error?.type, 'AccessDeniedException');
      assert.equal(
        error?.message,
        `User: ${item.principal.arn} is not authorized to perform: ${item.action} on resource: ${item.resource} ${item.denied}`,
      );
      assert.deepEqual(Object.keys(error?.toBody() ?? {}), ['__type', 'Message'], 'AWS spells it Message');
    });
  }
});
