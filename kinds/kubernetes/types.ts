/** What a validated plan says about a `kubernetes` component (Kubernetes workloads per site); kinds/kubernetes/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

export type KubernetesWorkloadKind = 'Deployment' | 'StatefulSet';

export interface KubernetesWorkload {
  kind: KubernetesWorkloadKind;
  name: string;
  /** Replicas to start with when the workload remembers none (a standby kept at 0). */
  replicas?: number;
}

export interface KubernetesSite {
  /** Path of the kubeconfig file the worker reads at the moment of use (it holds the credentials). */
  kubeconfig: string;
  context?: string;
  namespace: string;
}

/** Workloads on one cluster per site, started in the listed order and stopped in the reverse. */
export interface KubernetesComponent extends ComponentBase {
  kind: 'kubernetes';
  tier: 'app';
  workloads: KubernetesWorkload[];
  /** Longest wait for one workload's rollout to complete (or to scale to 0). */
  rolloutTimeout: number;
  primary: KubernetesSite;
  secondary: KubernetesSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    kubernetes: KubernetesComponent;
  }
}
