/**
 * `kind: kubernetes`: the platform's workloads on one cluster per site, in start order. Defaults,
 * refusals naming the field, the switch (the old site's workloads stopped, RTO starting there; the
 * new site's started and checked), and when a rollout counts as complete, judged the way
 * `kubectl rollout status` judges it. Pure: the real loader and compiler, no cluster.
 */
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { deploymentRollout, statefulSetRollout } from './activities/rollout';
import { phaseSteps, planWith, refusalsOf } from '../../test/unit/support/kindPlan';

const platform = (more: Record<string, unknown> = {}) => ({
  platform: {
    kind: 'kubernetes',
    workloads: [
      { name: 'opencti-worker', replicas: 6 },
      { name: 'opencti-platform', replicas: 3 },
      { kind: 'StatefulSet', name: 'opencti-connector' },
    ],
    primary: { kubeconfig: '/etc/drillbook/kube/euw1.kubeconfig', context: 'opencti-euw1', namespace: 'opencti' },
    secondary: { kubeconfig: '/etc/drillbook/kube/euc1.kubeconfig', namespace: 'opencti' },
    ...more,
  },
});

test('a minimal set of workloads gets the documented defaults: Deployments, five minutes per rollout', () => {
  expect(planWith(platform()).components.platform).toMatchObject({
    tier: 'app',
    rolloutTimeout: 300_000,
    workloads: [
      { kind: 'Deployment', name: 'opencti-worker', replicas: 6 },
      { kind: 'Deployment', name: 'opencti-platform', replicas: 3 },
      { kind: 'StatefulSet', name: 'opencti-connector' },
    ],
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(platform({ workloads: [] }))).toEqual([
    'components.platform.workloads: expected at least one workload, in start order',
  ]);
  expect(refusalsOf(platform({ workloads: [{ name: 'web' }, { name: 'web' }] }))).toEqual([
    'components.platform.workloads[1].name: Deployment/web is listed twice',
  ]);
  expect(refusalsOf(platform({ workloads: [{ name: 'OpenCTI_Platform' }] }))).toEqual([
    'components.platform.workloads[0].name: expected a Kubernetes object name (lower-case letters, digits, - and .)',
  ]);
  expect(refusalsOf(platform({ workloads: [{ kind: 'DaemonSet', name: 'agent' }] }))).toEqual([
    'components.platform.workloads[0].kind: expected one of "Deployment"|"StatefulSet"',
  ]);
});

test("a failover stops the old site's workloads (RTO starts there) and starts the new site's, in the plan's order, then checks them", () => {
  const plan = planWith(platform({ rolloutTimeout: '10m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive, s.marks])).toEqual([
    ['failover.platform.stop.primary', 'kubernetesStop', 'primary', true, ['rto-start']],
    ['failover.platform.start.secondary', 'kubernetesStart', 'secondary', true, []],
  ]);
  // Each of the three workloads may take rolloutTimeout, and the step a minute more.
  expect(failover[1].timeoutMs).toBe(1_860_000);
  expect(failover[1].args).toMatchObject({
    rolloutTimeoutMs: 600_000,
    workloads: [{ name: 'opencti-worker' }, { name: 'opencti-platform' }, { name: 'opencti-connector' }],
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.platform.health.secondary', 'kubernetesHealth', ['rto-end']],
  ]);
  expect(phaseSteps(plan, 'failover', 'failover').map((s) => s.bestEffort)).toEqual([true, false]);
});

describe('rollout status', () => {
  const spec = (name: string, replicas: number) => ({
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } } },
  });
  const deployment = (status: V1Deployment['status'], generation = 4): V1Deployment => ({
    metadata: { name: 'opencti-platform', generation },
    spec: spec('opencti-platform', 3),
    status: { observedGeneration: 4, ...status },
  });

  test('a Deployment is done when every replica is updated and available, and says what it waits for until then', () => {
    expect(deploymentRollout(deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({
      done: true,
      message: 'deployment "opencti-platform" successfully rolled out',
    });
    expect(deploymentRollout(deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 1 }))).toEqual({
      done: false,
      failed: false,
      message: '1 out of 3 new replicas have been updated',
    });
    expect(deploymentRollout(deployment({ replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({
      done: false,
      failed: false,
      message: '1 old replicas are pending termination',
    });
    expect(deploymentRollout(deployment({}, 5))).toEqual({
      done: false,
      failed: false,
      message: 'waiting for deployment "opencti-platform" spec update to be observed',
    });
  });

  test('a progress deadline fails the rollout only when it names the current ReplicaSet', () => {
    const stuck = deployment({
      replicas: 3,
      updatedReplicas: 1,
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "opencti-platform-7d9f" has timed out progressing.',
        },
      ],
    });
    expect(deploymentRollout(stuck, 'opencti-platform-7d9f')).toEqual({
      done: false,
      failed: true,
      message: 'deployment "opencti-platform" exceeded its progress deadline',
    });
    expect(deploymentRollout(stuck, 'opencti-platform-8c2a')).toMatchObject({ done: false, failed: false });
  });

  test('a StatefulSet is done when its pods are ready at the current revision', () => {
    const set = (status: Partial<NonNullable<V1StatefulSet['status']>>): V1StatefulSet => ({
      metadata: { name: 'opencti-connector', generation: 2 },
      spec: { ...spec('opencti-connector', 2), serviceName: 'opencti-connector' },
      status: { replicas: 2, observedGeneration: 2, ...status },
    });
    expect(
      statefulSetRollout(set({ readyReplicas: 2, currentReplicas: 2, updateRevision: 'r2', currentRevision: 'r2' })),
    ).toEqual({ done: true, message: 'statefulset rolling update complete 2 pods at revision r2' });
    expect(statefulSetRollout(set({ readyReplicas: 1 }))).toEqual({
      done: false,
      failed: false,
      message: 'waiting for 1 pods to be ready',
    });
  });
});

describe('reprotect', () => {
  const plan = () =>
    planWith({
      platform: {
        kind: 'kubernetes',
        workloads: [{ name: 'opencti-platform', replicas: 2 }, { name: 'opencti-worker' }],
        primary: { kubeconfig: 'a.kubeconfig', namespace: 'opencti' },
        secondary: { kubeconfig: 'b.kubeconfig', namespace: 'opencti' },
      },
    });

  it('fences the returned site in the step that sees its API server answer, then holds it at 0 and checks', () => {
    const steps = phaseSteps(plan(), 'reprotect', 'reprotect');
    expect(steps.map((s) => [s.id, s.segment, s.action, s.site, s.destructive, s.bestEffort])).toEqual([
      ['reprotect.platform.await-return.primary', 'await', 'kubernetesAwaitReturn', 'primary', true, false],
      ['reprotect.platform.fence.primary', 'fence', 'kubernetesStop', 'primary', true, false],
      ['reprotect.platform.fenced.primary', 'fence', 'kubernetesAtZero', 'primary', false, false],
    ]);
    expect(phaseSteps(plan(), 'reprotect', 'reprotect-check').map((s) => [s.id, s.action, s.site])).toEqual([
      ['reprotect-check.platform.at-zero.primary', 'kubernetesAtZero', 'primary'],
    ]);
  });
});
