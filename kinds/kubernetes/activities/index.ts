/**
 * Kubernetes workloads on one cluster per site (@kubernetes/client-node 1.4; FIELD-NOTES 11): stop
 * scales them to 0 in reverse start order, remembering each replica count in an annotation on the
 * workload itself; start scales them back in order, each waited for until its rollout is complete
 * as `kubectl rollout status` judges it and its pods are Ready, and names the pods' reasons when it
 * never gets there; health is every workload complete and serving. One KubeConfig per site: a client
 * keeps the server URL of the context it was made for.
 */
import type * as K8s from '@kubernetes/client-node';
import { failNonRetryable, failRetryable } from '../../kit/activities/failures';
import { pollUntil } from '../../kit/activities/polling';
import { awaitReturn } from '../../kit/activities/awaitReturn';
import {
  deploymentRollout,
  isReady,
  isTerminating,
  labelSelector,
  podReason,
  statefulSetRollout,
  type Rollout,
} from './rollout';
import type { Observation, StepDrivers, StepInput } from '../../kit/activities/types';
import { type SiteRole } from '../../../domain';
import { REMEMBERED_REPLICAS_ANNOTATION, type KubernetesAction, type KubernetesArgs } from '../actions';
import type { KubernetesWorkload } from '../types';

type Workload = K8s.V1Deployment | K8s.V1StatefulSet;

interface SiteClient {
  read(w: KubernetesWorkload): Promise<Workload>;
  mergePatch(w: KubernetesWorkload, body: object): Promise<Workload>;
  pods(w: Workload): Promise<K8s.V1Pod[]>;
  /** The name of the ReplicaSet of the Deployment's current revision, if the controller made it yet. */
  currentReplicaSet(d: K8s.V1Deployment): Promise<string | undefined>;
}

let loaded: typeof K8s | undefined;
/** Loaded at first use: the package is ESM only, which Node 20 loads with require() from 20.19 on. */
async function k8s(): Promise<typeof K8s> {
  try {
    loaded ??= await import('@kubernetes/client-node');
    return loaded;
  } catch (error) {
    failNonRetryable(
      `@kubernetes/client-node cannot be loaded on this worker (Node ${process.version}; needs 20.19 or later): ${(error as Error).message}`,
      'WorkerSetup',
    );
  }
}

const where = (args: KubernetesArgs, site: SiteRole) =>
  `${args.component} on ${args.siteNames[site]} (namespace ${args.sites[site].namespace})`;
const label = (w: KubernetesWorkload) => `${w.kind === 'StatefulSet' ? 'statefulset' : 'deployment'}/${w.name}`;

/** Turns the API's errors into what a person can act on: not found and forbidden are plan or RBAC problems. */
function explain(error: unknown, args: KubernetesArgs, site: SiteRole, what: string): never {
  if ((error as { name?: string }).name === 'ApplicationFailure') throw error;
  const e = error as { code?: number; body?: unknown; message?: string };
  let reason: string;
  try {
    reason = typeof e.body === 'string' ? String((JSON.parse(e.body) as { message?: string }).message ?? '') : '';
  } catch {
    reason = String(e.body ?? '');
  }
  const at = where(args, site);
  if (e.code === 404)
    failNonRetryable(
      `${at}: ${what} does not exist (${reason || 'NotFound'}); check components.${args.component}.workloads and the site's namespace`,
      'WorkloadNotFound',
    );
  if (e.code === 401)
    failNonRetryable(
      `${at}: the cluster refused the kubeconfig's credentials (401) for ${what}; check components.${args.component}.${site}.kubeconfig`,
      'KubernetesAuth',
    );
  if (e.code === 403)
    failNonRetryable(
      `${at}: the drill's identity may not do this to ${what} (403: ${reason}); it needs get/patch on deployments, statefulsets and their scale, and list on pods`,
      'KubernetesForbidden',
    );
  failRetryable(
    `${at}: the API server did not answer for ${what}: ${e.code ? `HTTP ${e.code} ${reason}` : (e.message ?? String(error))}`,
    'KubernetesUnreachable',
  );
}

async function siteClient(args: KubernetesArgs, site: SiteRole): Promise<SiteClient> {
  const { KubeConfig, AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } = await k8s();
  const { kubeconfig, context, namespace } = args.sites[site];
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(kubeconfig);
  } catch (error) {
    failNonRetryable(
      `components.${args.component}.${site}.kubeconfig: ${kubeconfig} cannot be read on this worker (${(error as Error).message})`,
      'KubeconfigMissing',
    );
  }
  if (context) {
    if (!kc.getContextObject(context))
      failNonRetryable(
        `components.${args.component}.${site}.context: "${context}" is not in ${kubeconfig} (it has ${kc
          .getContexts()
          .map((c) => c.name)
          .join(', ')})`,
        'KubeconfigMissing',
      );
    kc.setCurrentContext(context);
  }
  // Made after the context is chosen: each client keeps that cluster's URL (FIELD-NOTES 11.2).
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return {
    read: (w) =>
      (w.kind === 'StatefulSet'
        ? apps.readNamespacedStatefulSet({ name: w.name, namespace })
        : apps.readNamespacedDeployment({ name: w.name, namespace })
      ).catch((error) => explain(error, args, site, label(w))),
    mergePatch: (w, body) =>
      (w.kind === 'StatefulSet'
        ? apps.patchNamespacedStatefulSet({ name: w.name, namespace, body }, merge)
        : apps.patchNamespacedDeployment({ name: w.name, namespace, body }, merge)
      ).catch((error) => explain(error, args, site, label(w))),
    pods: async (workload) => {
      const selector = labelSelector(workload.spec?.selector);
      if (!selector) return [];
      const list = await core
        .listNamespacedPod({ namespace, labelSelector: selector })
        .catch((error) => explain(error, args, site, `the pods of ${workload.metadata?.name}`));
      return list.items;
    },
    currentReplicaSet: async (d) => {
      const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
      const list = await apps
        .listNamespacedReplicaSet({ namespace, labelSelector: labelSelector(d.spec?.selector) })
        .catch((error) => explain(error, args, site, `the replica sets of ${d.metadata?.name}`));
      return list.items.find(
        (rs) =>
          rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision &&
          rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid),
      )?.metadata?.name;
    },
  };
}

const rolloutOf = (kind: KubernetesWorkload['kind'], w: Workload, currentReplicaSet?: string): Rollout =>
  kind === 'StatefulSet'
    ? statefulSetRollout(w as K8s.V1StatefulSet)
    : deploymentRollout(w as K8s.V1Deployment, currentReplicaSet);

/** Only a deadline that names the current revision's ReplicaSet fails the rollout (see deploymentRollout). */
async function judge(client: SiteClient, w: KubernetesWorkload, object: Workload): Promise<Rollout> {
  const first = rolloutOf(w.kind, object);
  if (w.kind !== 'Deployment' || first.done || !first.failed) return first;
  return rolloutOf(w.kind, object, await client.currentReplicaSet(object as K8s.V1Deployment));
}
const remembered = (w: Workload): number | undefined => {
  const value = w.metadata?.annotations?.[REMEMBERED_REPLICAS_ANNOTATION];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
};

/** Why pods are not ready, at most 5 named, for a sentence. */
async function podReasons(client: SiteClient, w: Workload): Promise<string[]> {
  const pods = await client.pods(w);
  return pods
    .filter((p) => !isTerminating(p))
    .map(podReason)
    .filter((r): r is string => Boolean(r))
    .slice(0, 5);
}

interface WorkloadState {
  workload: string;
  replicas: number;
  ready: number;
  rollout: string;
  complete: boolean;
  remembered?: number;
}

async function stateOf(
  client: SiteClient,
  w: KubernetesWorkload,
): Promise<{ object: Workload; state: WorkloadState; rollout: Rollout }> {
  const object = await client.read(w);
  const rollout = await judge(client, w, object);
  const state: WorkloadState = {
    workload: label(w),
    replicas: object.spec?.replicas ?? 1,
    ready: object.status?.readyReplicas ?? 0,
    rollout: rollout.message,
    complete: rollout.done,
    remembered: remembered(object),
  };
  return { object, state, rollout };
}

/** Every workload to 0 in reverse start order, each count remembered on the workload, waited for until its pods are gone. */
async function scaleToZero(args: KubernetesArgs, site: SiteRole, client: SiteClient): Promise<Observation> {
  const done: Record<string, unknown>[] = [];
  for (const w of [...args.workloads].reverse()) {
    const before = await client.read(w);
    const replicas = before.spec?.replicas ?? 1;
    const note: Record<string, unknown> = { workload: label(w), before: replicas, remembered: remembered(before) };
    if (replicas > 0) {
      // One merge patch: the count is remembered in the same write that scales to 0.
      await client.mergePatch(w, {
        metadata: { annotations: { [REMEMBERED_REPLICAS_ANNOTATION]: String(replicas) } },
        spec: { replicas: 0 },
      });
      note.remembered = replicas;
    }
    let left: K8s.V1Pod[] = [];
    const wait = await pollUntil(`${label(w)} to scale to 0`, args.rolloutTimeoutMs, async () => {
      left = await client.pods(await client.read(w));
      return left.length === 0;
    });
    Object.assign(note, { waitedMs: wait.waitedMs, podsLeft: left.length });
    done.push(note);
    if (!wait.reached)
      failRetryable(
        `${where(args, site)}: ${label(w)} still has ${left.length} pod(s) ${Math.round(args.rolloutTimeoutMs / 1000)}s after scaling to 0 (${left.map((p) => p.metadata?.name).join(', ')})`,
        'ScaleDownTimeout',
        { site, workloads: done },
      );
  }
  const said = done.map((d) =>
    d.before === 0
      ? `${d.workload} was already at 0${d.remembered !== undefined ? ` (remembers ${d.remembered})` : ''}`
      : `${d.workload} ${d.before}→0`,
  );
  return {
    summary: `${where(args, site)}: scaled to 0 in reverse order, counts remembered on the workloads: ${said.join(', ')}`,
    facts: { site, workloads: done },
  };
}

export function createKubernetesActivities(): StepDrivers<KubernetesAction> {
  const siteOf = (input: StepInput<KubernetesAction>): SiteRole => input.step.site ?? 'primary';

  return {
    /** Every workload on this site complete (as kubectl rollout status judges it) with all its replicas ready. */
    async kubernetesHealth(input) {
      const args = input.step.args;
      const site = siteOf(input);
      const client = await siteClient(args, site);
      const states: WorkloadState[] = [];
      const problems: string[] = [];
      for (const w of args.workloads) {
        const { object, state } = await stateOf(client, w);
        states.push(state);
        if (state.replicas === 0)
          problems.push(
            `${state.workload} is scaled to 0${state.remembered !== undefined ? ` (remembers ${state.remembered})` : ''}`,
          );
        else if (!state.complete || state.ready < state.replicas)
          problems.push(
            `${state.workload}: ${state.rollout}, ${state.ready}/${state.replicas} ready${(await podReasons(client, object)).map((r) => `; ${r}`).join('')}`,
          );
      }
      const facts = { site, workloads: states };
      if (problems.length)
        failRetryable(`${where(args, site)} does not serve: ${problems.join('; ')}`, 'WorkloadsNotReady', facts);
      return {
        summary: `${where(args, site)}: ${states.map((s) => `${s.workload} ${s.ready}/${s.replicas}`).join(', ')} ready, every rollout complete`,
        facts,
      };
    },

    /** Both sites' clusters answer and hold every workload (the standby typically at 0 replicas). */
    async kubernetesPreflight(input) {
      const args = input.step.args;
      const facts: Record<string, unknown> = {};
      const parts: string[] = [];
      for (const site of ['primary', 'secondary'] as SiteRole[]) {
        const client = await siteClient(args, site);
        const states: WorkloadState[] = [];
        for (const w of args.workloads) states.push((await stateOf(client, w)).state);
        facts[site] = states;
        const running = states.filter((s) => s.replicas > 0).length;
        parts.push(
          `${args.siteNames[site]} has all ${states.length} workloads (${running} running, ${states.length - running} at 0)`,
        );
      }
      const unstartable = args.workloads.filter(
        (w, i) =>
          (facts.secondary as WorkloadState[])[i].replicas === 0 &&
          (facts.secondary as WorkloadState[])[i].remembered === undefined &&
          w.replicas === undefined &&
          (facts.primary as WorkloadState[])[i].replicas === 0,
      );
      if (unstartable.length)
        failNonRetryable(
          `${args.component}: ${unstartable.map(label).join(', ')} run on neither site and no replica count is known; add replicas: N to components.${args.component}.workloads`,
          'PlanIncomplete',
          facts,
        );
      return { summary: `${args.component}: ${parts.join('; ')}`, facts };
    },

    /** Scales the workloads to 0 in reverse start order, each count remembered on the workload, and waits until their pods are gone. */
    async kubernetesStop(input) {
      const args = input.step.args;
      const site = siteOf(input);
      return scaleToZero(args, site, await siteClient(args, site));
    },

    /**
     * Reprotect: waits until the lost site's API server answers again (bounded by the step's timeout),
     * then fences it at once: its control plane brings the Deployments back with their old replica
     * counts, so every workload is scaled to 0 (counts remembered for the failback) in this same step,
     * before anything else of the reprotect runs.
     */
    async kubernetesAwaitReturn(input) {
      const args = input.step.args;
      const site = siteOf(input);
      const at = where(args, site);
      const back = await awaitReturn(input, `the API server of ${at}`, async () => {
        const client = await siteClient(args, site);
        const states: WorkloadState[] = [];
        for (const w of args.workloads) states.push((await stateOf(client, w)).state);
        const running = states.filter((s) => s.replicas > 0).map((s) => `${s.workload} ${s.replicas}`);
        return {
          back: true,
          detail: running.length ? `it came back running ${running.join(', ')}` : 'every workload at 0',
          facts: { returnedWith: states },
        };
      });
      const fenced = await scaleToZero(args, site, await siteClient(args, site));
      return {
        summary: `${at} answers again after ${Math.round(back.waitedMs / 1000)}s (${back.detail}); fenced at once: ${fenced.summary}`,
        facts: { site, waitedMs: back.waitedMs, ...back.facts, fence: fenced.facts },
      };
    },

    /**
     * Reprotect: the returned site's workloads are held at 0 while the other site serves: every
     * replica count 0 and no pod left (a controller that scaled one back up is caught here).
     */
    async kubernetesAtZero(input) {
      const args = input.step.args;
      const site = siteOf(input);
      const client = await siteClient(args, site);
      const states: Record<string, unknown>[] = [];
      const problems: string[] = [];
      for (const w of args.workloads) {
        const object = await client.read(w);
        const replicas = object.spec?.replicas ?? 1;
        const pods = (await client.pods(object)).length;
        states.push({ workload: label(w), replicas, pods, remembered: remembered(object) });
        if (replicas > 0 || pods > 0) problems.push(`${label(w)} at ${replicas} replica(s) with ${pods} pod(s)`);
      }
      const facts = { site, workloads: states };
      if (problems.length)
        failRetryable(
          `${where(args, site)} is not held at 0 while the other site serves: ${problems.join(', ')}`,
          'NotFenced',
          facts,
        );
      return {
        summary: `${where(args, site)}: every workload at 0 with no pod (${states.map((s) => `${s.workload}${s.remembered !== undefined ? `, remembers ${s.remembered}` : ''}`).join('; ')})`,
        facts,
      };
    },

    /**
     * Scales the workloads back in start order: each to its remembered count (else the plan's), waited
     * for until its rollout is complete and its pods Ready before the next starts; the annotation is
     * removed once it is. A rollout that fails or times out names its pods' reasons.
     */
    async kubernetesStart(input) {
      const args = input.step.args;
      const site = siteOf(input);
      const client = await siteClient(args, site);
      const done: Record<string, unknown>[] = [];
      for (const [index, w] of args.workloads.entries()) {
        const before = await client.read(w);
        const current = before.spec?.replicas ?? 1;
        const target = remembered(before) ?? (current > 0 ? current : w.replicas);
        if (target === undefined) {
          failNonRetryable(
            `${where(args, site)}: ${label(w)} is at 0 replicas, remembers no count and the plan names none; add replicas: N to components.${args.component}.workloads[${index}]`,
            'PlanIncomplete',
            { site, workloads: done },
          );
        }
        if (current !== target) await client.mergePatch(w, { spec: { replicas: target } });
        let latest: Workload = before;
        let rollout: Rollout = rolloutOf(w.kind, before);
        let readyPods = 0;
        const wait = await pollUntil(
          `${label(w)} to roll out ${target} replica(s)`,
          args.rolloutTimeoutMs,
          async () => {
            latest = await client.read(w);
            rollout = await judge(client, w, latest);
            // A failed rollout (progress deadline exceeded) ends the wait at once.
            if (!rollout.done) return rollout.failed;
            const pods = (await client.pods(latest)).filter((p) => !isTerminating(p));
            readyPods = pods.filter(isReady).length;
            return readyPods >= target && pods.length === readyPods;
          },
        );
        const note = {
          workload: label(w),
          from: current,
          to: target,
          rollout: rollout.message,
          readyPods,
          waitedMs: wait.waitedMs,
        };
        done.push(note);
        if (!rollout.done || !wait.reached) {
          const reasons = await podReasons(client, latest);
          const why = reasons.length ? reasons.join('; ') : 'no pod reports a reason';
          const failed = !rollout.done && rollout.failed;
          failNonRetryable(
            `${where(args, site)}: ${label(w)} did not become ready ${failed ? `(${rollout.message})` : `within ${Math.round(args.rolloutTimeoutMs / 1000)}s (${rollout.message})`}: ${why}`,
            'RolloutFailed',
            { site, workloads: done, podReasons: reasons },
          );
        }
        if (remembered(latest) !== undefined)
          await client.mergePatch(w, { metadata: { annotations: { [REMEMBERED_REPLICAS_ANNOTATION]: null } } });
      }
      const said = done.map((d) => `${d.workload} ${d.from}→${d.to} (${Math.round(Number(d.waitedMs) / 100) / 10}s)`);
      return {
        summary: `${where(args, site)}: started in order, each rollout complete with its pods Ready: ${said.join(', ')}`,
        facts: { site, workloads: done },
      };
    },
  };
}
