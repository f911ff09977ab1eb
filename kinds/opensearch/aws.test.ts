/**
 * `kind: opensearch`, cluster per site, with Amazon OpenSearch Service domains (`aws` per site):
 * what plan check refuses (basic auth beside SigV4, a half-signed pair, Serverless, a site without
 * its S3 repository or role ARN, the self-hosted register it would ignore), and what the steps carry
 * (each site's signing and repository; the registration body Amazon OpenSearch documents). Pure: the
 * real loader and compiler, no cluster (test/opensearch-aws.test.ts drives the signed requests).
 */
import { s3RepositoryRegistration } from './activities/sites';
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const ROLE = 'arn:aws:iam::111122223333:role/opencti-search-snapshots';
const repo = (over: Record<string, unknown> = {}) => ({
  bucket: 'opencti-search-snapshots',
  region: 'eu-west-1',
  roleArn: ROLE,
  ...over,
});
const domain = (region: string, over: Record<string, unknown> = {}) => ({
  url: `https://vpc-opencti-${region}-abc123.${region}.es.amazonaws.com`,
  aws: { region },
  s3Repository: repo(),
  ...over,
});
const aws = (more: Record<string, unknown> = {}) => ({
  search: {
    kind: 'opensearch',
    topology: 'cluster-per-site',
    snapshot: { repository: 'opencti-dr', indices: 'opencti_*' },
    primary: domain('eu-west-1'),
    secondary: domain('eu-central-1'),
    ...more,
  },
});

test('an Amazon OpenSearch site signs as a managed domain (service es) unless it says otherwise, and its steps carry the signing and the S3 repository', () => {
  const plan = planWith(aws({ primary: domain('eu-west-1', { s3Repository: repo({ basePath: 'opencti/dr' }) }) }));
  expect(plan.components.search).toMatchObject({
    primary: { aws: { region: 'eu-west-1', service: 'es' } },
    secondary: { aws: { region: 'eu-central-1', service: 'es' } },
  });
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(stepById(failover, 'failover.search.target-health.secondary').title).toBe(
    "Check search's Amazon OpenSearch domain (SigV4) on dc2 is ready to receive the restore",
  );
  expect(stepById(phaseSteps(plan, 'drill', 'preparation'), 'preparation.search.preflight.primary').title).toBe(
    'Check search: S3 repository opencti-dr (role opencti-search-snapshots) on both domains and a recent snapshot in it',
  );
  const restore = stepById(failover, 'failover.search.restore.secondary');
  expect(restore.args).toMatchObject({
    sites: {
      primary: { aws: { region: 'eu-west-1', service: 'es' }, s3Repository: { basePath: 'opencti/dr', roleArn: ROLE } },
      secondary: { aws: { region: 'eu-central-1', service: 'es' }, s3Repository: { roleArn: ROLE } },
    },
  });
  // Nothing about credentials travels in a step: the worker's chain supplies them.
  expect(JSON.stringify(restore.args)).not.toMatch(/accessKey|secret|password/i);
});

test('a self-hosted pair keeps its steps exactly as before (no aws or s3Repository keys)', () => {
  const plan = planWith({
    search: {
      kind: 'opensearch',
      topology: 'cluster-per-site',
      snapshot: { repository: 'snaps' },
      primary: { url: 'https://search-euw1.example.org' },
      secondary: { url: 'https://search-euc1.example.org' },
    },
  });
  const restore = stepById(phaseSteps(plan, 'drill', 'failover'), 'failover.search.restore.secondary');
  expect((restore.args as { sites: unknown }).sites).toEqual({
    primary: { url: 'https://search-euw1.example.org' },
    secondary: { url: 'https://search-euc1.example.org' },
  });
});

test('basic auth and SigV4 together are refused, naming the fields', () => {
  expect(refusalsOf(aws({ username: 'drillbook', password: { env: 'OS_PASSWORD' } }))).toEqual([
    "components.search.username: basic auth and SigV4 signing are exclusive: primary.aws and secondary.aws sign every request with the worker's AWS credentials (its default credential chain); remove username and password, or the sites' aws blocks",
    "components.search.password: basic auth and SigV4 signing are exclusive: primary.aws and secondary.aws sign every request with the worker's AWS credentials (its default credential chain); remove username and password, or the sites' aws blocks",
  ]);
});

test('an aws site without its S3 repository, or a repository without roleArn, is refused', () => {
  const missingRole = refusalsOf(
    aws({ secondary: domain('eu-central-1', { s3Repository: { bucket: 'b-euc1', region: 'eu-central-1' } }) }),
  );
  expect(missingRole).toEqual([
    'components.search.secondary.s3Repository.roleArn: is required: the IAM role Amazon OpenSearch assumes to reach the bucket, such as arn:aws:iam::111122223333:role/TheSnapshotRole',
  ]);
  const noRepository = refusalsOf(
    aws({ primary: { url: 'https://vpc-opencti-euw1.eu-west-1.es.amazonaws.com', aws: { region: 'eu-west-1' } } }),
  );
  expect(noRepository).toEqual([
    expect.stringMatching(
      /^components\.search\.primary\.s3Repository: is required for an Amazon OpenSearch Service site: .* roleArn being the role Amazon OpenSearch assumes/,
    ),
  ]);
  expect(
    refusalsOf(aws({ primary: domain('eu-west-1', { s3Repository: repo({ roleArn: 'TheSnapshotRole' }) }) })),
  ).toEqual([
    'components.search.primary.s3Repository.roleArn: expected an IAM role ARN such as arn:aws:iam::111122223333:role/TheSnapshotRole',
  ]);
});

test('one site signed and the other not, plain HTTP, Serverless, an S3 repository on a self-hosted site, and register beside aws sites are refused', () => {
  expect(refusalsOf(aws({ secondary: { url: 'https://search-euc1.example.org' } }))).toEqual([
    'components.search.secondary.aws: is required because primary.aws signs with SigV4: both sites are Amazon OpenSearch Service domains ({ region, service: es }) or neither is',
  ]);
  expect(
    refusalsOf(aws({ secondary: domain('eu-central-1', { aws: { region: 'eu-central-1', service: 'aoss' } }) })),
  ).toEqual([
    'components.search.secondary.aws.service: OpenSearch Serverless (aoss) has no snapshot, restore or cluster health API, which a cluster per site moves its data with; expected es (a managed domain)',
  ]);
  expect(
    refusalsOf({
      search: {
        kind: 'opensearch',
        topology: 'cluster-per-site',
        snapshot: { repository: 'snaps' },
        primary: { url: 'https://search-euw1.example.org', s3Repository: repo() },
        secondary: { url: 'https://search-euc1.example.org' },
      },
    }),
  ).toEqual([
    "components.search.primary.s3Repository: an S3 repository with a role ARN is Amazon OpenSearch Service's; give primary.aws { region } too, or register a self-hosted cluster's repository with snapshot.register",
  ]);
  expect(
    refusalsOf(
      aws({ snapshot: { repository: 'opencti-dr', register: { type: 'fs', settings: { location: '/snap' } } } }),
    ),
  ).toEqual([
    "components.search.snapshot.register: Amazon OpenSearch Service sites register an s3 repository from each site's s3Repository (bucket, region, roleArn); remove register",
  ]);
  expect(refusalsOf(aws({ primary: domain('eu-west-1', { url: 'http://search-euw1.example.org:9200' }) }))).toEqual([
    'components.search.primary.url: an Amazon OpenSearch Service domain takes signed requests over HTTPS: expected its https:// endpoint, such as https://vpc-opencti-abc123.eu-west-1.es.amazonaws.com, got "http://search-euw1.example.org:9200"',
  ]);
  expect(refusalsOf(aws({ primary: domain('eu-west-1', { aws: { region: 'Ireland' } }) }))).toEqual([
    'components.search.primary.aws.region: expected an AWS region such as eu-west-1',
  ]);
});

test('the registration is the s3 body Amazon OpenSearch documents, role_arn included, base_path only when given', () => {
  expect(s3RepositoryRegistration({ bucket: 'b', region: 'eu-west-1', roleArn: ROLE, basePath: 'opencti' })).toEqual({
    type: 's3',
    settings: { bucket: 'b', region: 'eu-west-1', role_arn: ROLE, base_path: 'opencti' },
  });
  expect(s3RepositoryRegistration({ bucket: 'b', region: 'eu-west-1', roleArn: ROLE }).settings).not.toHaveProperty(
    'base_path',
  );
});
