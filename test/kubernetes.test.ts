/**
 * The Kubernetes activities against two real control planes, one per site (kube-apiserver,
 * kube-controller-manager and etcd, KWOK as the node so pods become Ready without containers;
 * scripts/lab/k8s.sh, API ports 23443/23444), reached with the lab's least-privilege drill
 * identity: stop scales OpenCTI's workloads to 0 in reverse start order and remembers each count on
 * the workload; start restores them in order, each rollout complete before the next; a standby at
 * 0 starts from the plan's counts; a worker-platform whose image never pulls fails the start with
 * the pods' reason; a StatefulSet rolls out the same way. What KWOK does not prove: real containers,
 * probes and image pulls (the ImagePullBackOff is a KWOK stage, scripts/lab/kwok-stages.yaml).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig, Watch, type V1Deployment } from '@kubernetes/client-node';
import { createKubernetesActivities } from '../kinds/kubernetes/activities/index';
import { expectFailure, startOpenctiLab, stepInput, type OpenctiLab } from './support/openctiLab';
import { type SiteRole } from '../domain';
import {
  REMEMBERED_REPLICAS_ANNOTATION,
  type KubernetesAction,
  type KubernetesArgs,
} from '../kinds/kubernetes/actions';
import type { KubernetesWorkload } from '../kinds/kubernetes/types';

jest.setTimeout(240_000);

let lab: OpenctiLab;
const acts = createKubernetesActivities();
const NS = 'opencti';
/** Start order of the seed's OpenCTI: worker-platform, workers at 3x, the user-facing platform, connectors last. */
const WORKLOADS: KubernetesWorkload[] = [
  { kind: 'Deployment', name: 'opencti-worker-platform', replicas: 1 },
  { kind: 'Deployment', name: 'opencti-worker', replicas: 3 },
  { kind: 'Deployment', name: 'opencti-platform', replicas: 2 },
  { kind: 'Deployment', name: 'opencti-connector-import', replicas: 1 },
];

function deployment(
  name: string,
  replicas: number,
  extra: { labels?: Record<string, string>; progressDeadlineSeconds?: number } = {},
): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${NS} }
spec:
  replicas: ${replicas}
  progressDeadlineSeconds: ${extra.progressDeadlineSeconds ?? 600}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: ${JSON.stringify({ app: name, ...extra.labels })} }
    spec:
      nodeName: kwok-node
      containers: [{ name: main, image: "opencti/platform:6.4.0" }]
---
`;
}

async function apply(site: SiteRole, manifest: string): Promise<void> {
  const file = path.join(lab.dir, `manifest-${site}-${Date.now()}.yaml`);
  writeFileSync(file, manifest);
  await lab.lab('kubectl', site, 'apply', '-f', file);
}
const kubectl = async (site: SiteRole, ...args: string[]) => (await lab.lab('kubectl', site, '-n', NS, ...args)).trim();
const replicasOf = async (site: SiteRole, name: string, kind = 'deploy') =>
  Number(await kubectl(site, 'get', kind, name, '-o', 'jsonpath={.spec.replicas}'));
const annotationOf = (site: SiteRole, name: string) =>
  kubectl(
    site,
    'get',
    'deploy',
    name,
    '-o',
    `jsonpath={.metadata.annotations.${REMEMBERED_REPLICAS_ANNOTATION.replace(/\./g, '\\.')}}`,
  );

beforeAll(async () => {
  lab = await startOpenctiLab(16_000, ['kubernetes']);
  for (const site of ['primary', 'secondary'] as SiteRole[]) {
    await lab.lab('kubectl', site, 'create', 'namespace', NS);
    // The primary runs OpenCTI; the secondary keeps the same workloads at 0 (a warm standby).
    await apply(
      site,
      WORKLOADS.map((w) => deployment(w.name, site === 'primary' ? (w.replicas as number) : 0)).join(''),
    );
  }
  await kubectl('primary', 'rollout', 'status', 'deploy/opencti-platform', '--timeout=60s');
});
afterAll(async () => {
  await lab?.destroy();
});

const args = (over: Partial<KubernetesArgs> = {}): KubernetesArgs => ({
  component: 'platform',
  siteNames: { primary: 'dc1', secondary: 'dc2' },
  sites: {
    primary: { kubeconfig: lab.kubeconfig('primary'), namespace: NS },
    secondary: { kubeconfig: lab.kubeconfig('secondary'), context: 'lab-secondary', namespace: NS },
  },
  workloads: WORKLOADS,
  rolloutTimeoutMs: 30_000,
  ...over,
});
const call = <A extends KubernetesAction>(action: A, a: KubernetesArgs, site: SiteRole) =>
  acts[action](stepInput('k8s', action, a, site));

/**
 * Watches the site's Deployments from outside, as `kubectl get -w` would: the API server delivers
 * the changes in the order etcd stored them, so the order in which each workload reached a state
 * is the server's, however busy the machine.
 */
async function watchOrder(
  site: SiteRole,
  reached: (replicas: number, ready: number) => boolean,
): Promise<{ stop(): Promise<string[]> }> {
  const order: string[] = [];
  const kc = new KubeConfig();
  kc.loadFromFile(lab.kubeconfig(site, 'admin'));
  const watching = await new Watch(kc).watch(
    `/apis/apps/v1/namespaces/${NS}/deployments`,
    {},
    (_type, d: V1Deployment) => {
      const name = d.metadata?.name ?? '';
      if (!order.includes(name) && reached(d.spec?.replicas ?? 1, d.status?.readyReplicas ?? 0)) order.push(name);
    },
    () => undefined,
  );
  return {
    async stop() {
      // The last change may still be on its way to the watch: a moment for it to arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      watching.abort();
      return order;
    },
  };
}

test('health and preflight: the primary serves, the standby site is its own cluster with everything at 0', async () => {
  const health = await call('kubernetesHealth', args(), 'primary');
  expect(health.summary).toMatch(
    /platform on dc1 \(namespace opencti\): deployment\/opencti-worker-platform 1\/1, deployment\/opencti-worker 3\/3, deployment\/opencti-platform 2\/2, deployment\/opencti-connector-import 1\/1 ready, every rollout complete/,
  );
  const preflight = await call('kubernetesPreflight', args(), 'primary');
  expect(preflight.summary).toMatch(
    /dc1 has all 4 workloads \(4 running, 0 at 0\); dc2 has all 4 workloads \(0 running, 4 at 0\)/,
  );
  const standby = await expectFailure(call('kubernetesHealth', args(), 'secondary'), 'WorkloadsNotReady');
  expect(standby.message).toMatch(
    /platform on dc2 \(namespace opencti\) does not serve: deployment\/opencti-worker-platform is scaled to 0/,
  );
  const missing = args({ workloads: [{ kind: 'Deployment', name: 'opencti-nope' }] });
  await expect(call('kubernetesHealth', missing, 'primary')).rejects.toMatchObject({
    type: 'WorkloadNotFound',
    nonRetryable: true,
  });
});

test('stop scales to 0 in reverse start order remembering each count; start restores them in order, each rolled out before the next', async () => {
  const stopOrder = await watchOrder('primary', (replicas) => replicas === 0);
  const stop = await call('kubernetesStop', args(), 'primary');
  expect(await stopOrder.stop()).toEqual([
    'opencti-connector-import',
    'opencti-platform',
    'opencti-worker',
    'opencti-worker-platform',
  ]);
  expect(stop.summary).toMatch(
    /scaled to 0 in reverse order, counts remembered on the workloads: deployment\/opencti-connector-import 1→0, deployment\/opencti-platform 2→0, deployment\/opencti-worker 3→0, deployment\/opencti-worker-platform 1→0/,
  );
  expect(await annotationOf('primary', 'opencti-worker')).toBe('3');
  expect(await kubectl('primary', 'get', 'pods', '-o', 'name')).toBe('');
  expect((await call('kubernetesStop', args(), 'primary')).summary).toMatch(
    /deployment\/opencti-worker was already at 0 \(remembers 3\)/,
  );

  const startOrder = await watchOrder('primary', (replicas, ready) => replicas > 0 && ready === replicas);
  const start = await call(
    'kubernetesStart',
    args({ workloads: WORKLOADS.map(({ kind, name }) => ({ kind, name })) }),
    'primary',
  );
  expect(await startOrder.stop()).toEqual([
    'opencti-worker-platform',
    'opencti-worker',
    'opencti-platform',
    'opencti-connector-import',
  ]);
  expect(start.summary).toMatch(
    /started in order, each rollout complete with its pods Ready: deployment\/opencti-worker-platform 0→1 .*deployment\/opencti-worker 0→3 .*deployment\/opencti-platform 0→2 .*deployment\/opencti-connector-import 0→1/,
  );
  expect(await annotationOf('primary', 'opencti-worker')).toBe('');
  await call('kubernetesHealth', args(), 'primary');
});

test("the standby site remembers no counts: start takes the plan's, and a workload with neither is refused with the field to fill", async () => {
  const start = await call('kubernetesStart', args(), 'secondary');
  expect(start.summary).toMatch(
    /platform on dc2 \(namespace opencti\): started in order.*deployment\/opencti-worker 0→3/,
  );
  expect(await replicasOf('secondary', 'opencti-platform')).toBe(2);
  await call('kubernetesStop', args(), 'secondary');
  await lab.lab(
    'kubectl',
    'secondary',
    '-n',
    NS,
    'annotate',
    'deploy/opencti-platform',
    `${REMEMBERED_REPLICAS_ANNOTATION}-`,
  );
  const noCount = args({ workloads: [{ kind: 'Deployment', name: 'opencti-platform' }] });
  const refused = await expectFailure(call('kubernetesStart', noCount, 'secondary'), 'PlanIncomplete');
  expect(refused.message).toMatch(
    /deployment\/opencti-platform is at 0 replicas, remembers no count and the plan names none; add replicas: N to components\.platform\.workloads\[0\]/,
  );
});

test("a worker-platform whose image never pulls fails the start with the pods' reason, not a bare timeout", async () => {
  const bad = { labels: { 'drillbook.lab/image-pull': 'fail' }, progressDeadlineSeconds: 8 };
  await call('kubernetesStop', args(), 'primary');
  await apply('primary', deployment('opencti-worker-platform', 0, bad));
  try {
    // Scaling a stopped Deployment up is mostly no rollout, so the wait ends it; but the changed template
    // made a new ReplicaSet, and on a busy machine the controller can judge its 8 s deadline first (seen
    // on a fresh CI run). Either way the start fails with the pods' reason, which is what an operator needs.
    const failed = await expectFailure(
      call('kubernetesStart', args({ rolloutTimeoutMs: 12_000 }), 'primary'),
      'RolloutFailed',
    );
    expect(failed.message).toMatch(
      /platform on dc1 \(namespace opencti\): deployment\/opencti-worker-platform did not become ready (within 12s \(0 of 1 updated replicas are available\)|\(deployment "opencti-worker-platform" exceeded its progress deadline\)): opencti-worker-platform-[a-z0-9-]+: main: ImagePullBackOff \(Back-off pulling image "opencti\/platform:6\.4\.0"\)/,
    );
    expect(failed.facts.podReasons).toEqual([expect.stringMatching(/ImagePullBackOff/)]);
    // Nothing after the worker-platform was started.
    expect(await replicasOf('primary', 'opencti-worker')).toBe(0);

    // A new image rolled out to a running worker-platform: the progress deadline fails it before the wait would.
    await apply('primary', deployment('opencti-worker-platform', 1));
    await call('kubernetesStart', args(), 'primary');
    await apply('primary', deployment('opencti-worker-platform', 1, bad));
    const started = Date.now();
    const deadline = await expectFailure(call('kubernetesStart', args(), 'primary'), 'RolloutFailed');
    expect(deadline.message).toMatch(
      /deployment\/opencti-worker-platform did not become ready \(deployment "opencti-worker-platform" exceeded its progress deadline\): opencti-worker-platform-[a-z0-9-]+: main: ImagePullBackOff/,
    );
    expect(Date.now() - started).toBeLessThan(25_000);
  } finally {
    await apply('primary', deployment('opencti-worker-platform', 1));
  }
  await call('kubernetesStart', args(), 'primary');
  await call('kubernetesHealth', args(), 'primary');
});

test('a StatefulSet is stopped, remembered and rolled out the same way', async () => {
  await apply(
    'primary',
    `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: opencti-rsa, namespace: ${NS} }
spec:
  replicas: 2
  serviceName: opencti-rsa
  selector: { matchLabels: { app: opencti-rsa } }
  template:
    metadata: { labels: { app: opencti-rsa } }
    spec:
      nodeName: kwok-node
      containers: [{ name: main, image: "opencti/connector-rsa:6.4.0" }]
`,
  );
  const sets = args({ workloads: [{ kind: 'StatefulSet', name: 'opencti-rsa' }] });
  await call('kubernetesStart', sets, 'primary');
  expect((await call('kubernetesStop', sets, 'primary')).summary).toMatch(/statefulset\/opencti-rsa 2→0/);
  expect(await replicasOf('primary', 'opencti-rsa', 'statefulset')).toBe(0);
  expect((await call('kubernetesStart', sets, 'primary')).summary).toMatch(/statefulset\/opencti-rsa 0→2/);
  expect((await call('kubernetesHealth', sets, 'primary')).summary).toMatch(/statefulset\/opencti-rsa 2\/2 ready/);
});
