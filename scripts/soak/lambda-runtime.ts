import type { FunctionConfig } from './stack-config';

/**
 * What Lambda gives a function's code, from the function's configuration: the environment variables of its execution
 * environments, and the context of each invocation (lambda-worker.js adds the context's methods).
 */

/** Lambda's own variables, then the stack's, then the local run's. Nothing of this process leaks in but PATH. */
export function lambdaEnv(c: FunctionConfig, overrides: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    AWS_LAMBDA_FUNCTION_NAME: c.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(c.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${c.name}`,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_REGION: c.region,
    AWS_DEFAULT_REGION: c.region,
    TZ: 'UTC',
    // The SDK warns that Node 20 is old on every cold start; Lambda runs 22.
    NODE_NO_WARNINGS: '1',
    ...c.env,
    ...overrides,
  };
}

/**
 * The context of one invocation, as data IPC can carry: `deadline` is when the function times out, from which the
 * worker answers getRemainingTimeInMillis; `pid` names the log stream, one per execution environment as in Lambda.
 */
export function invocationContext(c: FunctionConfig, requestId: string, pid: number | undefined, deadline: number) {
  const { name, memoryMb, region, account } = c;
  return {
    awsRequestId: requestId,
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${name}`,
    functionName: name,
    functionVersion: '$LATEST',
    memoryLimitInMB: String(memoryMb),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `sim/[$LATEST]${pid}`,
    deadline,
  };
}
