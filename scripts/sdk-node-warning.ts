/**
 * The AWS SDK warns, once per process, when it makes its first client, that its releases after January 2027 need
 * Node 22. These machines run Node 20 by design and the deployed exporter runs nodejs22.x, so for the local tools
 * (npm run local, npm run soak, the bench) it says nothing to act on. This is the SDK's documented switch
 * (aws-sdk-js-v3 issue 7983); it silences that warning only, and `=false` in the environment shows it again.
 * jest.config.js does the same for the tests.
 */
export function silenceSdkNodeWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
