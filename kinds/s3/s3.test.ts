/**
 * `kind: s3`: a bucket per site. Defaults, refusals naming the field, and the switch: a canary
 * object put on the old side (waited for until the store reports it replicated), or, where the
 * store does not replicate, the plan's copy command run once the old side stopped, told which way
 * to copy; the canary verified in the new side's bucket after. Pure: the real loader and compiler.
 */
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const files = (more: Record<string, unknown> = {}) => ({
  files: {
    kind: 's3',
    primary: { bucket: 'opencti-files-euw1', region: 'eu-west-1' },
    secondary: { bucket: 'opencti-files-euc1', region: 'eu-central-1' },
    ...more,
  },
});
const minio = (n: number) => ({ bucket: 'opencti-files', region: 'us-east-1', endpoint: `http://127.0.0.1:900${n}` });

test('a minimal bucket pair gets the documented defaults: the store replicates, five minutes for the canary to arrive', () => {
  expect(planWith(files()).components.files).toMatchObject({
    tier: 'database',
    replication: 's3',
    replicationTimeout: 300_000,
    forcePathStyle: false,
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(files({ replication: 'copy' }))).toEqual([
    "components.files.copy: replication: copy needs the command that copies the old side's bucket to the new side's",
  ]);
  expect(refusalsOf(files({ copy: ['mc', 'mirror'] }))).toEqual([
    'components.files.copy: a copy step belongs to replication: copy; with replication: s3 the store copies',
  ]);
  expect(refusalsOf(files({ primary: { bucket: 'OpenCTI_Files', region: 'eu-west-1' } }))).toEqual([
    'components.files.primary.bucket: expected an S3 bucket name (3-63 lower-case letters, digits, . and -)',
  ]);
});

test('with the store replicating, a failover puts a canary on the old side and waits for it to be replicated; the new side is verified after', () => {
  const plan = planWith(files({ replicationTimeout: '15m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive])).toEqual([
    ['failover.files.canary.primary', 's3Canary', 'primary', false],
  ]);
  expect(failover[0]).toMatchObject({
    timeoutMs: 960_000,
    args: {
      replicationTimeoutMs: 900_000,
      canary: 'primary-to-secondary',
      sites: { primary: { bucket: 'opencti-files-euw1' }, secondary: { bucket: 'opencti-files-euc1' } },
    },
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action])).toEqual([
    ['failover-check.files.health.secondary', 's3Health'],
    ['failover-check.files.verify.secondary', 's3Verify'],
  ]);
});

test("with a copy command, the copy runs after the canary, told each switch's direction", () => {
  const plan = planWith(
    files({
      replication: 'copy',
      copy: ['bash', 'scripts/lab/s3-copy.sh'],
      forcePathStyle: true,
      primary: minio(0),
      secondary: minio(1),
    }),
  );
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => s.id)).toEqual(['failover.files.canary.primary', 'failover.files.copy.primary']);
  expect(stepById(failover, 'failover.files.copy.primary')).toMatchObject({
    action: 'runCommand',
    destructive: true,
    args: {
      command: {
        argv: ['bash', 'scripts/lab/s3-copy.sh'],
        env: {
          DRILLBOOK_S3_FROM: 'opencti-files@us-east-1',
          DRILLBOOK_S3_FROM_ENDPOINT: 'http://127.0.0.1:9000',
          DRILLBOOK_S3_TO: 'opencti-files@us-east-1',
          DRILLBOOK_S3_TO_ENDPOINT: 'http://127.0.0.1:9001',
        },
      },
    },
  });
  const back = stepById(phaseSteps(plan, 'drill', 'failback'), 'failback.files.copy.secondary');
  expect(back.args).toMatchObject({
    command: {
      env: { DRILLBOOK_S3_FROM_ENDPOINT: 'http://127.0.0.1:9001', DRILLBOOK_S3_TO_ENDPOINT: 'http://127.0.0.1:9000' },
    },
  });
});

test('reprotect waits for the returned bucket and reverses the replication: the serving bucket replicates to it', () => {
  const plan = planWith(files());
  const steps = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(steps.map((s) => [s.id, s.segment, s.action, s.site, s.destructive])).toEqual([
    ['reprotect.files.await-return.primary', 'await', 's3AwaitReturn', 'primary', false],
    ['reprotect.files.reverse.primary', 'resync', 's3ReverseReplication', 'primary', true],
  ]);
  expect(steps[1].title).toBe(
    "Reverse files's replication: opencti-files-euc1 (serving) replicates to opencti-files-euw1",
  );
  expect(phaseSteps(plan, 'reprotect', 'reprotect-check').map((s) => [s.action, s.site])).toEqual([
    ['s3Reversed', 'primary'],
  ]);
});
