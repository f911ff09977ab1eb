/**
 * Amazon OpenSearch Service: every request a client makes signed with SigV4 by the official client's
 * AWS signer (@opensearch-project/opensearch/aws-v3, the SDK v3 flavour), with credentials from the
 * SDK's default chain (environment, shared profile, web identity, container or instance role). The
 * plan names only the region and service; no credential ever enters it.
 */
import { rootCertificates } from 'node:tls';
import { Client, type ClientOptions } from '@opensearch-project/opensearch';
import { AwsSigv4Signer } from '@opensearch-project/opensearch/aws-v3';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { OpensearchSitesEndpoint } from '../clusterPerSiteActions';

/** Resolves the worker's AWS credentials; the chain's own memo refreshes them before they expire. */
export type AwsCredentialSource = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

/** The SDK's default chain, made at first use so a worker without AWS components never reads AWS settings. */
export function lazyCredentialChain(): AwsCredentialSource {
  let chain: AwsCredentialSource | undefined;
  return () => (chain ??= defaultProvider())();
}

/**
 * A client for one site: SigV4-signed when the site is an Amazon OpenSearch domain (`aws`), else
 * with the plan's basic auth when it gives one; `ca` (PEM) is trusted beside Node's own roots. No retries of its own (the step's policy retries).
 */
export function siteClient(
  site: OpensearchSitesEndpoint,
  basic: { username: string; password: string } | undefined,
  credentials: AwsCredentialSource,
  ca?: string,
): Client {
  const common: ClientOptions = {
    node: site.url,
    maxRetries: 0,
    requestTimeout: 30_000,
    // Node's `ca` replaces its roots; the plan's CA is added to them instead.
    ...(ca ? { ssl: { ca: [...rootCertificates, ca] } } : {}),
  };
  if (!site.aws) return new Client({ ...common, auth: basic });
  return new Client({
    ...AwsSigv4Signer({ region: site.aws.region, service: site.aws.service, getCredentials: credentials }),
    ...common,
  });
}
