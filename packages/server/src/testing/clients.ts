/** Test support: AWS SDK clients pointed at a test server, over HTTP/2 (the default) or HTTP/1.1. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// The SDK warns once per process that releases after January 2027 need Node 22; the project pins
// the SDK (see docs/dependencies.md), so the warning only clutters test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export type Transport = 'h2' | 'http1';

export const testCredentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'test-secret' };

export function kinesisClient(url: string, transport: Transport = 'h2'): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: testCredentials,
    maxAttempts: 1,
    ...(transport === 'http1' ? { requestHandler: new NodeHttpHandler() } : {}),
  });
}
