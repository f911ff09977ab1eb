/** Step arguments of the kubernetes* activities: workloads on one cluster per site. */
import type { KubernetesWorkload } from './types';
import type { SiteRole } from '../../domain/sites';

export const KUBERNETES_ACTIONS = [
  'kubernetesHealth',
  'kubernetesPreflight',
  'kubernetesStop',
  'kubernetesStart',
  'kubernetesAwaitReturn',
  'kubernetesAtZero',
] as const;
export type KubernetesAction = (typeof KUBERNETES_ACTIONS)[number];

/** Annotation on a workload that remembers its replica count while a drill keeps it at 0. */
export const REMEMBERED_REPLICAS_ANNOTATION = 'drillbook.io/remembered-replicas';

export type KubernetesArgs = {
  component: string;
  siteNames: Record<SiteRole, string>;
  sites: Record<SiteRole, { kubeconfig: string; context?: string; namespace: string }>;
  /** In start order; a stop walks them in reverse. A subset of the component's (e.g. only producers). */
  workloads: KubernetesWorkload[];
  rolloutTimeoutMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<KubernetesAction, KubernetesArgs> {}
}
