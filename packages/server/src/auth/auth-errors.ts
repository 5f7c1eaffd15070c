/**
 * The authentication and authorization error catalog: AWS's error names and exact messages.
 *
 * Sources (see docs/security.md for the full list):
 * - kinesalite's recordings of Kinesis (missing and incomplete signatures);
 * - dynalite's recordings of the same AWS (Coral) front end in front of DynamoDB, which list the
 *   order of the checks after the completeness check and their messages (date format, expiry,
 *   signed Host, algorithm, credential shape and scope, unknown key, signature, security token);
 * - messages Kinesis users have reported verbatim: InvalidSignatureException's text (e.g.
 *   aws/aws-sdk-js#168, apache/camel-k#1608), UnrecognizedClientException's
 *   (awslabs/amazon-kinesis-scaling-utils#46), AccessDeniedException's, with its `Message`
 *   member spelt with a capital M and its "because no identity-based policy allows" context
 *   (aws-amplify/amplify-cli#11631), and the 15-minute "Signature expired" and
 *   "Signature not yet current" wording (aws/aws-sdk-js#254 and AWS's SigV4 troubleshooting guide).
 */
import { ServiceError } from '../protocol/service-error.js';

const error = (type: string, message: string): ServiceError => new ServiceError(type, message);

export const signatureMismatchMessage =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** Why an authorization decision denied: AWS names the policy type in the message. */
export type DenialReason = 'no-identity-allow' | 'no-resource-allow' | 'identity-deny' | 'resource-deny';

const denialContext: Readonly<Record<DenialReason, (action: string) => string>> = {
  'no-identity-allow': (action) => `because no identity-based policy allows the ${action} action`,
  'no-resource-allow': (action) => `because no resource-based policy allows the ${action} action`,
  'identity-deny': () => 'with an explicit deny in an identity-based policy',
  'resource-deny': () => 'with an explicit deny in a resource-based policy',
};

export const authErrors = {
  missingToken: () => error('MissingAuthenticationTokenException', 'Missing Authentication Token'),
  bothHeaderAndQuery: () =>
    error(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    ),
  incomplete: (message: string) => error('IncompleteSignatureException', message),
  dateFormat: (text: string) =>
    error(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${text}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    ),
  signatureExpired: (date: string, earliest: string, now: string, skewMinutes: number) =>
    error(
      'InvalidSignatureException',
      `Signature expired: ${date} is now earlier than ${earliest} (${now} - ${skewMinutes} min.)`,
    ),
  signatureNotYetCurrent: (date: string, latest: string, now: string, skewMinutes: number) =>
    error(
      'InvalidSignatureException',
      `Signature not yet current: ${date} is still later than ${latest} (${now} + ${skewMinutes} min.)`,
    ),
  /** Tributary's own wording: a presigned request past its own X-Amz-Expires (AWS honours only the skew window). */
  presignedExpired: (date: string, expiresSeconds: number, now: string) =>
    error(
      'InvalidSignatureException',
      `Signature expired: ${date} is now earlier than ${now} - ${expiresSeconds} sec. (X-Amz-Expires).`,
    ),
  hostNotSigned: () => error('InvalidSignatureException', "'Host' must be a 'SignedHeader' in the AWS Authorization."),
  unsupportedAlgorithm: (algorithm: string) =>
    error(
      'IncompleteSignatureException',
      `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now). `,
    ),
  credentialShape: (credential: string) =>
    error(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    ),
  /** One message listing every scope problem, in AWS's order. */
  credentialScope: (problems: readonly string[]) => error('InvalidSignatureException', problems.join(' ')),
  unknownAccessKey: () =>
    error('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  /** dynalite recorded this one without the final period. */
  invalidSecurityToken: () =>
    error('UnrecognizedClientException', 'The security token included in the request is invalid'),
  expiredSecurityToken: () => error('ExpiredTokenException', 'The security token included in the request is expired'),
  signatureMismatch: () => error('InvalidSignatureException', signatureMismatchMessage),
  accessDenied: (principalArn: string, action: string, resource: string, reason: DenialReason) =>
    new ServiceError(
      'AccessDeniedException',
      `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${denialContext[reason](action)}`,
      { messageKey: 'Message' },
    ),
};

/** The scope problems AWS lists, each a sentence of its own. */
export const scopeProblems = {
  region: (region: string) => `Credential should be scoped to a valid region, not '${region}'.`,
  service: (service: string) => `Credential should be scoped to correct service: '${service}'.`,
  terminator: (terminator: string) =>
    `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'.`,
  date: (scopeDate: string, requestDay: string, requestDate: string) =>
    `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${requestDay}', from '${requestDate}'.`,
};
