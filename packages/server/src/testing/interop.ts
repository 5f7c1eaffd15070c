/**
 * Tests that drive a system tool (the AWS CLI, boto3, …) skip with the Debian package to install
 * when the tool is missing — except in CI (TRIBUTARY_REQUIRE_INTEROP=1), where they fail loudly.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const interopRequired = process.env.TRIBUTARY_REQUIRE_INTEROP === '1';

export interface ToolCheck {
  /** Why the test is skipped, or false when the tool is there. */
  readonly skip: string | false;
}

function decide(available: boolean, what: string, debianPackage: string): ToolCheck {
  if (available) return { skip: false };
  const message = `${what} is not installed: apt-get install ${debianPackage}`;
  if (interopRequired) throw new Error(`TRIBUTARY_REQUIRE_INTEROP=1 but ${message}`);
  return { skip: message };
}

/** The AWS CLI v2 from Debian's awscli package (not the pyenv CLI v1 that may come first on PATH). */
export const awsCliPath = '/usr/bin/aws';
export function requireAwsCli(): ToolCheck {
  return decide(existsSync(awsCliPath), 'the AWS CLI v2 (/usr/bin/aws)', 'awscli');
}

/** Debian's python3 with Debian's boto3 (python3-boto3). */
export const debianPythonPath = '/usr/bin/python3';
export function requireBoto3(): ToolCheck {
  const probe =
    existsSync(debianPythonPath) &&
    spawnSync(debianPythonPath, ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;
  return decide(probe, 'boto3 for /usr/bin/python3', 'python3-boto3');
}

/** Environment for AWS tools: dummy credentials, a region, no pager, no user config. */
export function awsToolEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'test-secret',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
