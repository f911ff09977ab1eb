/**
 * When a workload's rollout is complete, exactly as `kubectl rollout status` judges it
 * (kubernetes/kubectl pkg/polymorphichelpers/rollout_status.go; FIELD-NOTES 11.3), and why its
 * pods are not ready, in the words the kubelet uses (ImagePullBackOff, probe failures, Unschedulable).
 * Pure functions over the API's objects; status counters are omitted when 0, so missing reads as 0.
 */
import type {
  V1Deployment,
  V1DeploymentStatus,
  V1Pod,
  V1StatefulSet,
  V1StatefulSetStatus,
} from '@kubernetes/client-node';

export type Rollout = { done: true; message: string } | { done: false; failed: boolean; message: string };

/**
 * `currentReplicaSet`: the ReplicaSet of the Deployment's current revision. A ProgressDeadlineExceeded
 * condition that names another one belongs to an earlier rollout and stays until the controller sees
 * the new one progress; kubectl would report it as a failure in that window, the drill waits instead.
 */
export function deploymentRollout(d: V1Deployment, currentReplicaSet?: string): Rollout {
  const s: V1DeploymentStatus = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  const name = d.metadata?.name;
  if ((d.metadata?.generation ?? 0) > (s.observedGeneration ?? 0))
    return { done: false, failed: false, message: `waiting for deployment "${name}" spec update to be observed` };
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    if (!currentReplicaSet || (progressing.message ?? '').includes(`"${currentReplicaSet}"`))
      return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
    return {
      done: false,
      failed: false,
      message: `waiting for deployment "${name}" to progress (an earlier rollout exceeded its deadline)`,
    };
  }
  const updated = s.updatedReplicas ?? 0;
  if (updated < want)
    return { done: false, failed: false, message: `${updated} out of ${want} new replicas have been updated` };
  if ((s.replicas ?? 0) > updated)
    return {
      done: false,
      failed: false,
      message: `${(s.replicas ?? 0) - updated} old replicas are pending termination`,
    };
  if ((s.availableReplicas ?? 0) < updated)
    return {
      done: false,
      failed: false,
      message: `${s.availableReplicas ?? 0} of ${updated} updated replicas are available`,
    };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

export function statefulSetRollout(set: V1StatefulSet): Rollout {
  const s: Partial<V1StatefulSetStatus> = set.status ?? {};
  const name = set.metadata?.name;
  const want = set.spec?.replicas ?? 1;
  if (set.spec?.updateStrategy?.type && set.spec.updateStrategy.type !== 'RollingUpdate') {
    // kubectl cannot judge OnDelete; ready replicas are what a drill can check.
    return (s.readyReplicas ?? 0) >= want
      ? { done: true, message: `${want} pods ready (update strategy ${set.spec.updateStrategy.type})` }
      : { done: false, failed: false, message: `waiting for ${want - (s.readyReplicas ?? 0)} pods to be ready` };
  }
  if (!s.observedGeneration || (set.metadata?.generation ?? 0) > s.observedGeneration)
    return { done: false, failed: false, message: `waiting for statefulset "${name}" spec update to be observed` };
  if ((s.readyReplicas ?? 0) < want)
    return { done: false, failed: false, message: `waiting for ${want - (s.readyReplicas ?? 0)} pods to be ready` };
  const partition = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    if ((s.updatedReplicas ?? 0) < want - partition)
      return {
        done: false,
        failed: false,
        message: `waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${want - partition} new pods have been updated`,
      };
    return {
      done: true,
      message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated`,
    };
  }
  if (s.updateRevision !== s.currentRevision)
    return {
      done: false,
      failed: false,
      message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}`,
    };
  return {
    done: true,
    message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}`,
  };
}

export const isReady = (pod: V1Pod): boolean =>
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
export const isTerminating = (pod: V1Pod): boolean => Boolean(pod.metadata?.deletionTimestamp);

/** Why one pod is not ready, as the kubelet or scheduler put it; undefined when it is ready. */
export function podReason(pod: V1Pod): string | undefined {
  if (isReady(pod)) return undefined;
  const name = pod.metadata?.name ?? '?';
  const reasons: string[] = [];
  for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    const waiting = c.state?.waiting;
    const terminated = c.state?.terminated ?? c.lastState?.terminated;
    if (waiting?.reason) reasons.push(`${c.name}: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`);
    else if (terminated?.reason && !c.ready)
      reasons.push(
        `${c.name}: ${terminated.reason} (exit code ${terminated.exitCode}${terminated.message ? `, ${terminated.message}` : ''})`,
      );
    else if (c.state?.running && !c.ready) reasons.push(`${c.name}: running but not ready (readiness probe failing)`);
  }
  if (reasons.length === 0) {
    for (const condition of pod.status?.conditions ?? []) {
      if (condition.status === 'False' && (condition.reason || condition.message))
        reasons.push(
          `${condition.type} ${condition.reason ?? ''}${condition.message ? `: ${condition.message}` : ''}`.trim(),
        );
    }
  }
  if (reasons.length === 0)
    reasons.push(
      pod.spec?.nodeName
        ? `${pod.status?.phase ?? 'Pending'} on ${pod.spec.nodeName}, no container status yet`
        : `${pod.status?.phase ?? 'Pending'}, not scheduled to any node`,
    );
  return `${name}: ${reasons.join('; ')}`;
}

/** `app=x,tier=y` from a workload's matchLabels (matchExpressions are not used by the drill's workloads). */
export function labelSelector(selector: { matchLabels?: Record<string, string> } | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
