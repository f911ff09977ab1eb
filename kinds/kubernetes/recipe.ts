/**
 * `kind: kubernetes`: the platform's workloads on one cluster per site. Stop scales them to 0 in
 * reverse start order (each count remembered on the workload), start scales them back in order,
 * each waited for until its rollout is complete and its pods Ready; health is every workload
 * complete and serving.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName } from '../kit/recipe/siteSteps';
import type { KubernetesArgs } from './actions';
import type { KubernetesComponent, KubernetesWorkload } from './types';

export function kubernetesArgs(
  component: KubernetesComponent,
  context: OperationContext,
  workloads: KubernetesWorkload[] = component.workloads,
): KubernetesArgs {
  const site = (s: 'primary' | 'secondary') => ({
    kubeconfig: component[s].kubeconfig,
    context: component[s].context,
    namespace: component[s].namespace,
  });
  return {
    component: context.name,
    siteNames: { primary: siteName(context, 'primary'), secondary: siteName(context, 'secondary') },
    sites: { primary: site('primary'), secondary: site('secondary') },
    workloads,
    rolloutTimeoutMs: component.rolloutTimeout,
  };
}

/** Every workload may wait its full rollout timeout, one after the other. */
export const kubernetesStepTimeout = (component: KubernetesComponent, workloads = component.workloads.length): number =>
  component.rolloutTimeout * workloads + 60_000;

export const kubernetesRecipe: Recipe<KubernetesComponent> = {
  tier: () => 'app',

  steps(operation, component, context): StepDraft[] {
    const { name, site } = context;
    const a = kubernetesArgs(component, context);
    const at = siteName(context, site);
    const names = component.workloads.map((w) => w.name);
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name} on ${at}: every workload's rollout complete, all replicas ready`,
            action: 'kubernetesHealth',
            args: a,
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: both sites' clusters answer and hold ${names.join(', ')}`,
            action: 'kubernetesPreflight',
            args: a,
          },
        ];
      case 'stop':
        return [
          {
            key: 'stop',
            title: `Scale ${name} on ${at} to 0 in reverse order (${[...names].reverse().join(', ')}), remembering each replica count`,
            action: 'kubernetesStop',
            args: a,
            destructive: true,
            timeoutMs: kubernetesStepTimeout(component),
          },
        ];
      case 'start':
        return [
          {
            key: 'start',
            title: `Start ${name} on ${at} in order (${names.join(', ')}), each rollout complete with its pods Ready before the next`,
            action: 'kubernetesStart',
            args: a,
            destructive: true,
            timeoutMs: kubernetesStepTimeout(component),
          },
        ];
      // Reprotect (site = the returned old site): its control plane brings the old replica counts back.
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name}'s API server on ${at} answers again, then at once scale every workload there to 0 (its control plane brings back the old replica counts)`,
            action: 'kubernetesAwaitReturn',
            args: a,
            destructive: true,
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Fence ${name} on ${at}: every workload at 0, no pod left`,
            action: 'kubernetesStop',
            args: a,
            destructive: true,
            timeoutMs: kubernetesStepTimeout(component),
          },
          { key: 'fenced', title: `Check ${name} on ${at} is held at 0`, action: 'kubernetesAtZero', args: a },
        ];
      case 'reprotected':
        return [
          {
            key: 'at-zero',
            title: `Check ${name} on ${at} is still held at 0 while ${siteName(context, context.to)} serves`,
            action: 'kubernetesAtZero',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
