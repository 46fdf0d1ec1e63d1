import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain, CredentialsProviderError, memoize } from '@smithy/core/config';

/**
 * The credential chain bundled functions get instead of the SDK's default one (`lambda-bundle.ts` aliases
 * `@aws-sdk/credential-provider-node` to this module). Lambda hands a function its role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and runtimes that serve them from a container
 * endpoint set AWS_CONTAINER_CREDENTIALS_FULL_URI instead; SSO, shared profiles, credential processes, web identity
 * and the instance metadata service never apply there. Leaving those out (with the STS, SSO and sign-in clients they
 * pull in) takes 130 KB off the code every cold start loads. Code run outside the bundle (tests, the bench, trying
 * the handler by hand) keeps the SDK's full chain.
 */
export const defaultProvider = (init: Parameters<typeof fromHttp>[0] & Parameters<typeof fromEnv>[0] = {}) =>
  memoize<AwsCredentialIdentity>(
    chain(
      fromEnv(init),
      // fromHttp reads its variables when built, and throws there when they are absent: build it when asked.
      async () => fromHttp(init)(),
      async () => {
        throw new CredentialsProviderError(
          'No AWS credentials: the function found neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (set by Lambda ' +
            "for the function's role) nor AWS_CONTAINER_CREDENTIALS_FULL_URI/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI.",
          { tryNextLink: false, logger: init.logger },
        );
      },
    ),
    // Temporary credentials are fetched again five minutes before they expire, as the SDK's own chain does.
    (c) => c.expiration !== undefined && c.expiration.getTime() - Date.now() < 300_000,
    (c) => c.expiration !== undefined,
  );
