/**
 * The OpenCTI plan shapes without servers: plans/opencti-lab.yaml validates and compiles into the
 * order a switch needs (producers stopped before the queues drain, the app scaled down before the
 * final search snapshot, the new side's workloads started last), RTO ends at what users reach, an
 * outage skips the drain, and wrong references or shapes are refused with the path to fix.
 */
import { compileRunbook } from '../../workflows/runbook';
import { compilePrecheck } from '../../workflows/runbook/precheck';
import { planEdits, type Doc } from '../support/planEdits';

const { valid, errorsOf } = planEdits('opencti-lab.yaml');

test("the lab plan validates, and a drill's failover runs in the order the stack needs", () => {
  const runbook = compileRunbook(valid(), 'drill');
  const failover = runbook.phases.find((p) => p.id === 'failover')?.steps.map((s) => `${s.segment} ${s.id}`) ?? [];
  const at = (id: string) => failover.findIndex((line) => line.endsWith(id));
  expect(at('failover.queue.stop-producers.primary')).toBeLessThan(at('failover.queue.drain.primary'));
  expect(at('failover.queue.drain.primary')).toBeLessThan(at('failover.platform.stop.primary'));
  expect(at('failover.platform.stop.primary')).toBeLessThan(at('failover.search.snapshot.primary'));
  expect(at('failover.search.snapshot.primary')).toBeLessThan(at('failover.cache.fence.primary'));
  expect(at('failover.cache.fence.primary')).toBeLessThan(at('failover.cache.promote.secondary'));
  expect(at('failover.files.copy.primary')).toBeLessThan(at('failover.search.restore.secondary'));
  expect(at('failover.search.restore.secondary')).toBeLessThan(at('failover.platform.start.secondary'));
  expect(failover[failover.length - 1]).toBe('start failover.platform.start.secondary');
  const producers = runbook.phases
    .find((p) => p.id === 'failover')
    ?.steps.find((s) => s.id === 'failover.queue.stop-producers.primary');
  expect(producers).toMatchObject({
    action: 'kubernetesStop',
    destructive: true,
    args: { component: 'platform', workloads: [{ name: 'opencti-connector-import', replicas: 1 }] },
  });
});

test('the commented real layout (plans/opencti.example.yaml) validates', () => {
  const result = planEdits('opencti.example.yaml').load();
  expect(result.ok ? [] : result.errors).toEqual([]);
});

test('RTO runs from the first stop to the first answer of what users reach, not a database ping', () => {
  const runbook = compileRunbook(valid(), 'drill');
  const phase = (id: string) => runbook.phases.find((p) => p.id === id)?.steps ?? [];
  expect(
    phase('failover')
      .filter((s) => s.marks.includes('rto-start'))
      .map((s) => s.id),
  ).toEqual(['failover.platform.stop.primary']);
  expect(
    phase('failover-check')
      .filter((s) => s.marks.includes('rto-end'))
      .map((s) => s.id),
  ).toEqual(['failover-check.platform-http.health.secondary']);
});

test("an outage (failover mode) does not wait for the old site's queues, and the old site's steps are best effort", () => {
  const steps = compileRunbook(valid(), 'failover').phases.flatMap((p) => p.steps);
  expect(steps.map((s) => s.id)).not.toContain('failover.queue.drain.primary');
  expect(steps.map((s) => s.id)).not.toContain('failover.queue.stop-producers.primary');
  for (const step of steps.filter((s) => s.site === 'primary')) expect(step.bestEffort).toBe(true);
  expect(steps.find((s) => s.id === 'failover.cache.promote.secondary')).toMatchObject({ args: { planned: false } });
});

test('a readiness precheck of the plan changes nothing: the OpenSearch preflight only looks, no switch step is in it', () => {
  const steps = compilePrecheck(valid());
  expect(steps.find((s) => s.action === 'opensearchSitesPreflight')?.args).toMatchObject({ lookOnly: true });
  const actions = new Set(steps.map((s) => s.action));
  for (const changing of [
    'kubernetesStop',
    'kubernetesStart',
    'redisFence',
    'redisPromote',
    'rabbitmqFence',
    'rabbitmqDrain',
    's3Canary',
    'opensearchSiteSnapshot',
    'opensearchRestore',
  ])
    expect(actions).not.toContain(changing);
  expect(steps.filter((s) => s.action === 'redisHealth').map((s) => s.site)).toEqual(['primary', 'secondary']);
});

test('the S3 copy step is told the direction of each switch', () => {
  const runbook = compileRunbook(valid(), 'drill');
  const copy = (phase: string) =>
    runbook.phases.find((p) => p.id === phase)?.steps.find((s) => s.action === 'runCommand' && s.component === 'files');
  expect(copy('failover')?.args).toMatchObject({
    command: {
      env: { DRILLBOOK_S3_FROM: 'opencti-primary@eu-west-1', DRILLBOOK_S3_TO: 'opencti-secondary@eu-central-1' },
    },
  });
  expect(copy('failback')?.args).toMatchObject({
    command: {
      env: { DRILLBOOK_S3_FROM: 'opencti-secondary@eu-central-1', DRILLBOOK_S3_TO: 'opencti-primary@eu-west-1' },
    },
  });
});

test.each([
  [
    'producers naming no kubernetes component',
    (d: Doc) => (d.components.queue.producers.kubernetes = 'cache'),
    /^components\.queue\.producers\.kubernetes: expected the name of a kubernetes component \(platform\), got "cache"/,
  ],
  [
    'a producer that is not one of its workloads',
    (d: Doc) => (d.components.queue.producers.workloads = ['opencti-connector-nope']),
    /^components\.queue\.producers\.workloads\[0\]: "opencti-connector-nope" is not one of components\.platform\.workloads/,
  ],
  [
    'copy replication without a copy step',
    (d: Doc) => delete d.components.files.copy,
    /^components\.files\.copy: replication: copy needs the command/,
  ],
  [
    'an unknown OpenSearch topology',
    (d: Doc) => (d.components.search.topology = 'stretched'),
    /^components\.search\.topology: expected one of one-cluster, cluster-per-site/,
  ],
  [
    'a per-site OpenSearch without its repository',
    (d: Doc) => delete d.components.search.snapshot,
    /^components\.search\.snapshot: is required/,
  ],
  [
    'a workload listed twice',
    (d: Doc) => d.components.platform.workloads.push({ name: 'opencti-worker' }),
    /^components\.platform\.workloads\[4\]\.name: Deployment\/opencti-worker is listed twice/,
  ],
  [
    'a bad queue pattern',
    (d: Doc) => (d.components.queue.queues = '(['),
    /^components\.queue\.queues: expected a regular expression/,
  ],
  [
    'a RabbitMQ URL that is not one',
    (d: Doc) => (d.components.queue.secondary.url = 'mq-fra:15672'),
    /^components\.queue\.secondary\.url: expected an absolute http\(s\) URL of the management API/,
  ],
  [
    'a Redis password written into the plan',
    (d: Doc) => (d.components.cache.password = 'hunter2'),
    /^components\.cache\.password: /,
  ],
])('refuses %s, naming the field', (_what, change, message) => {
  expect(errorsOf(change)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
});
