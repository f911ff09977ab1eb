/**
 * `kind: elbv2`: a load balancer target group per site. Health counts healthy targets; a site's
 * listed targets are deregistered (drained) before its services stop and registered again once
 * they run, waiting until the target group sees them healthy.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { Elbv2Args } from './actions';
import type { Elbv2Component } from './types';

function args(component: Elbv2Component, context: OperationContext): Elbv2Args {
  return {
    ...switchArgs(context),
    sites: { primary: component.primary, secondary: component.secondary },
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

/** Healthy targets a site needs: the plan's minimum, else its listed targets, else one. */
export const expectedHealthy = (site: Elbv2Component['primary']): number =>
  site.minHealthy ?? site.targets?.length ?? 1;

export const elbv2Recipe: Recipe<Elbv2Component> = {
  tier: () => 'traffic',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    const site = component[context.site];
    const wait = waitingTimeout(component.waitTimeout);
    const group = site.targetGroupArn.split(':').pop();
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check the target groups of both sites exist and list their targets`,
            action: 'elbv2Preflight',
            args: a,
          },
        ];
      case 'health':
        return [
          {
            key: 'healthy',
            title: `Check ${group} (${at}) has at least ${expectedHealthy(site)} healthy target(s)`,
            action: 'elbv2Health',
            args: a,
            timeoutMs: wait,
          },
        ];
      case 'drain':
        return site.targets
          ? [
              {
                key: 'deregister',
                title: `Deregister ${at}'s targets from ${group} and wait until they drained`,
                action: 'elbv2Deregister',
                args: a,
                destructive: true,
                timeoutMs: wait,
              },
            ]
          : [];
      case 'rejoin':
        return [
          {
            key: 'register',
            title: site.targets
              ? `Register ${at}'s targets in ${group} and wait until ${expectedHealthy(site)} are healthy`
              : `Wait until ${group} (${at}) has ${expectedHealthy(site)} healthy target(s)`,
            action: 'elbv2Register',
            args: a,
            destructive: Boolean(site.targets),
            timeoutMs: wait,
          },
        ];
      default:
        return [];
    }
  },
};
