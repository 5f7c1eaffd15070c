/**
 * IAM policy documents: parsing and evaluating one document against one request.
 *
 * Supported: `Effect`, `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards),
 * `Resource`/`NotResource` (case-sensitive wildcards), and in resource policies `Principal`/
 * `NotPrincipal` (`*`, `{"AWS": …}` with account ids, account root ARNs or user ARNs).
 * Not supported: `Condition` and policy variables (`${aws:username}` matches only itself).
 * Identity policies from the credentials file are parsed strictly — an unsupported element is a
 * start-up error. Resource policies (stored by PutResourcePolicy, which only checks for a JSON
 * object) are parsed leniently: a malformed statement is ignored, and a statement with a
 * `Condition` counts as matching when it denies and as not matching when it allows, so what
 * cannot be evaluated never grants access.
 */

export type PolicyKind = 'identity' | 'resource';

/** A compiled wildcard pattern list; `undefined` means the element was absent. */
type Matcher = (value: string) => boolean;

interface PrincipalSpec {
  readonly everyone: boolean;
  readonly accounts: ReadonlySet<string>;
  readonly arns: ReadonlySet<string>;
}

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  /** True when the statement names the action (Action) or does not exclude it (NotAction). */
  readonly action: Matcher;
  readonly resource: Matcher;
  /** Resource policies only. */
  readonly principal?: (principal: Principal) => boolean;
  readonly hasCondition: boolean;
}

export interface PolicyDocument {
  readonly statements: readonly PolicyStatement[];
}

export interface Principal {
  readonly arn: string;
  readonly accountId: string;
}

/** The three outcomes of one document: an Allow matched, a Deny matched, or nothing did. */
export type PolicyDecision = 'allow' | 'deny' | 'none';

export class PolicyError extends Error {}

function wildcardRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function stringList(value: unknown, element: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((item) => typeof item === 'string')) {
    throw new PolicyError(`${element} must be a string or a non-empty list of strings`);
  }
  return list as string[];
}

function matcher(patterns: readonly string[], caseInsensitive: boolean, negated: boolean): Matcher {
  if (patterns.includes('*')) return () => !negated;
  const compiled = patterns.map((pattern) => wildcardRegExp(pattern, caseInsensitive));
  return (value) => compiled.some((pattern) => pattern.test(value)) !== negated;
}

/** `Action` xor `NotAction` (and the same for Resource, Principal): exactly one must be present. */
function pick(statement: Record<string, unknown>, name: string, required: boolean): [unknown, boolean] | undefined {
  const plain = statement[name];
  const negated = statement[`Not${name}`];
  if (plain !== undefined && negated !== undefined)
    throw new PolicyError(`a statement has both ${name} and Not${name}`);
  if (plain === undefined && negated === undefined) {
    if (required) throw new PolicyError(`a statement needs ${name} or Not${name}`);
    return undefined;
  }
  return plain !== undefined ? [plain, false] : [negated, true];
}

const accountIdPattern = /^\d{12}$/;
const accountRootPattern = /^arn:aws[\w-]*:iam::(\d{12}):root$/;

function principalSpec(value: unknown): PrincipalSpec {
  if (value === '*') return { everyone: true, accounts: new Set(), arns: new Set() };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PolicyError('Principal must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}');
  }
  const accounts = new Set<string>();
  const arns = new Set<string>();
  let everyone = false;
  for (const [kind, entries] of Object.entries(value)) {
    // Service and federated principals never sign requests here; they match no one.
    if (kind !== 'AWS') continue;
    for (const entry of stringList(entries, 'Principal.AWS')) {
      const root = accountRootPattern.exec(entry);
      if (entry === '*') everyone = true;
      else if (accountIdPattern.test(entry)) accounts.add(entry);
      else if (root?.[1]) accounts.add(root[1]);
      else arns.add(entry);
    }
  }
  return { everyone, accounts, arns };
}

function principalMatcher(spec: PrincipalSpec, negated: boolean): (principal: Principal) => boolean {
  return (principal) =>
    (spec.everyone || spec.accounts.has(principal.accountId) || spec.arns.has(principal.arn)) !== negated;
}

function parseStatement(raw: unknown, kind: PolicyKind, strict: boolean): PolicyStatement {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new PolicyError('a statement must be an object');
  const statement = raw as Record<string, unknown>;
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw new PolicyError('Effect must be "Allow" or "Deny"');
  const hasCondition = statement.Condition !== undefined;
  if (strict && hasCondition) throw new PolicyError('Condition is not supported');
  const [actions, notAction] = pick(statement, 'Action', true) ?? [[], false];
  // A resource policy applies to the resource it is attached to when it names none.
  const [resources, notResource] = pick(statement, 'Resource', kind === 'identity') ?? ['*', false];
  const parsed: PolicyStatement = {
    effect,
    action: matcher(stringList(actions, 'Action'), true, notAction),
    resource: matcher(stringList(resources, 'Resource'), false, notResource),
    hasCondition,
  };
  const principal = pick(statement, 'Principal', kind === 'resource');
  if (kind === 'identity') {
    if (principal !== undefined) throw new PolicyError('an identity policy cannot name a Principal');
    return parsed;
  }
  const [value, negated] = principal ?? ['*', false];
  return { ...parsed, principal: principalMatcher(principalSpec(value), negated) };
}

/**
 * Parses a policy document. Strict parsing throws PolicyError on anything unsupported; lenient
 * parsing drops the statements it cannot read (a document that is not an object has none).
 */
export function parsePolicy(document: unknown, kind: PolicyKind, strict: boolean): PolicyDocument {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    if (strict) throw new PolicyError('a policy must be a JSON object');
    return { statements: [] };
  }
  const raw = (document as Record<string, unknown>).Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (strict && list.length === 0) throw new PolicyError('a policy needs at least one Statement');
  const statements: PolicyStatement[] = [];
  for (const [index, item] of list.entries()) {
    try {
      statements.push(parseStatement(item, kind, strict));
    } catch (error) {
      if (strict) throw new PolicyError(`Statement ${index + 1}: ${(error as Error).message}`);
    }
  }
  return { statements };
}

export interface PolicyRequest {
  /** `kinesis:PutRecord` */
  readonly action: string;
  readonly resource: string;
  readonly principal: Principal;
}

/** Evaluates one document: an explicit Deny wins over any Allow; no match is `none` (default deny). */
export function evaluatePolicy(document: PolicyDocument, request: PolicyRequest): PolicyDecision {
  let decision: PolicyDecision = 'none';
  for (const statement of document.statements) {
    if (!statement.action(request.action) || !statement.resource(request.resource)) continue;
    if (statement.principal && !statement.principal(request.principal)) continue;
    if (statement.effect === 'Deny') return 'deny';
    // An Allow with a condition this evaluator cannot check grants nothing.
    if (!statement.hasCondition) decision = 'allow';
  }
  return decision;
}
