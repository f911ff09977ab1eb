/**
 * The S3 activities against moto's server mode (scripts/lab/s3.sh, port 23566), a bucket per site.
 * What moto proves: the buckets, versioning, stored replication rules, objects and the SDK calls.
 * What it does not: moto stores replication rules but copies nothing and reports no
 * ReplicationStatus, so here the canary reaches the secondary only by the plan's copy step (the
 * lab's s3copy), and a plan that relies on the store's replication is refused rather than passed.
 */
import path from 'node:path';
import { PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { createCommandActivities } from '../kinds/kit/activities/command';
import { createS3Activities } from '../kinds/s3/activities';
import { expectFailure, ROOT, startOpenctiLab, stepInput, switchArgs, type OpenctiLab } from './support/openctiLab';
import type { SiteRole } from '../domain';
import type { S3Action, S3Args } from '../kinds/s3/actions';

jest.setTimeout(120_000);

let lab: OpenctiLab;
const acts = createS3Activities();
const commands = createCommandActivities({ workdir: ROOT });
const endpoint = () => `http://127.0.0.1:${lab.s3Port}`;

beforeAll(async () => {
  // moto accepts any key; the worker reads them from its standard AWS chain.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  lab = await startOpenctiLab(16_000, ['s3']);
});
afterAll(async () => {
  await lab?.destroy();
});

const args = (over: Partial<S3Args> = {}): S3Args => ({
  ...switchArgs('files'),
  sites: {
    primary: { bucket: 'opencti-primary', region: 'eu-west-1', endpoint: endpoint() },
    secondary: { bucket: 'opencti-secondary', region: 'eu-central-1', endpoint: endpoint() },
  },
  replication: 'copy',
  replicationTimeoutMs: 3000,
  forcePathStyle: true,
  ...over,
});
const call = <A extends S3Action>(action: A, drillId: string, a: S3Args, site?: SiteRole) =>
  acts[action](stepInput(drillId, action, a, site));
const copyStep = () =>
  commands.runCommand({
    drillId: 's3',
    target: 'opencti-lab',
    step: {
      id: 'failover.files.copy.primary',
      title: 'copy',
      action: 'runCommand',
      site: 'primary',
      timeoutMs: 60_000,
      args: {
        command: {
          argv: [
            'node',
            path.join(ROOT, 'dist/lab/opencti/s3copy.js'),
            '--from',
            'opencti-primary@eu-west-1',
            '--to',
            'opencti-secondary@eu-central-1',
            '--endpoint',
            endpoint(),
          ],
          shell: false,
          expectExit: [0],
        },
      },
    },
  });

test('health and preflight: both buckets answer and are versioned; replication rules stored both ways', async () => {
  expect((await call('s3Health', 's1', args(), 'secondary')).summary).toMatch(
    /files on dc2: bucket opencti-secondary \(eu-central-1\) answers, versioning Enabled/,
  );
  const preflight = await call('s3Preflight', 's1', args({ replication: 's3' }));
  expect(preflight.summary).toMatch(
    /opencti-primary and opencti-secondary answer and are versioned; replicates to opencti-secondary and back/,
  );
  await expect(
    call(
      's3Health',
      's1',
      args({
        sites: {
          ...args().sites,
          secondary: { bucket: 'no-such-bucket', region: 'eu-central-1', endpoint: endpoint() },
        },
      }),
      'secondary',
    ),
  ).rejects.toMatchObject({
    type: 'BucketMissing',
    nonRetryable: true,
  });
});

test('copy mode: the canary is not on the secondary until the copy step ran (moto does not replicate), then the verify proves the RPO', async () => {
  const canary = await call('s3Canary', 's2', args(), 'primary');
  expect(canary.summary).toMatch(
    /canary object drillbook-canary\/s2_failover\.json put on opencti-primary; the plan's copy step carries it to opencti-secondary/,
  );
  const missing = await expectFailure(call('s3Verify', 's2', args(), 'secondary'), 'CanaryMissing');
  expect(missing.message).toMatch(
    /the canary object drillbook-canary\/s2_failover\.json is missing from opencti-secondary/,
  );

  const copy = await copyStep();
  expect(copy.summary).toMatch(/exited 0/);
  expect(String((copy.facts as { stdout?: string }).stdout)).toMatch(
    /copied \d+ object\(s\) from opencti-primary to opencti-secondary/,
  );
  const verify = await call('s3Verify', 's2', args(), 'secondary');
  expect(verify.summary).toMatch(
    /files on dc2: canary object found in opencti-secondary, copied by the plan's copy step \(the store reports no replication status\)/,
  );
  expect(verify.facts.rpoEvidence).toMatchObject({ canaryFound: true, dataLossMs: 0 });
});

test('s3 mode against a store that does not replicate: the canary is refused, never passed', async () => {
  const refused = await expectFailure(
    call('s3Canary', 's3', args({ replication: 's3' }), 'primary'),
    'ReplicationNotConfirmed',
  );
  expect(refused.message).toMatch(
    /the store reports no replication status for the canary after 3s: it does not replicate/,
  );
  expect(refused.facts.replica).toMatchObject({ found: false });
});

test('preflight refuses a bucket whose versioning was suspended', async () => {
  const client = new S3Client({ region: 'eu-central-1', endpoint: endpoint(), forcePathStyle: true });
  await client.send(
    new PutBucketVersioningCommand({ Bucket: 'opencti-secondary', VersioningConfiguration: { Status: 'Suspended' } }),
  );
  try {
    const refused = await expectFailure(call('s3Preflight', 's4', args()), 'VersioningDisabled');
    expect(refused.message).toMatch(
      /versioning is "Suspended" on opencti-secondary \(dc2\); replication needs it Enabled on both buckets/,
    );
  } finally {
    await client.send(
      new PutBucketVersioningCommand({ Bucket: 'opencti-secondary', VersioningConfiguration: { Status: 'Enabled' } }),
    );
    client.destroy();
  }
});
