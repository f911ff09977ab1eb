/**
 * `kind: route53`: the traffic switch. `activate` points the record at the site (the "switch"
 * segment of failover and failback); `health` reads it back and checks it points where it should;
 * `preflight` confirms the zone, record and health check exist before anything changes.
 * A separate `verify` would repeat the health read-back of the same check phase, so there is none.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import type { SiteRole } from '../../domain';
import type { Route53Args } from './actions';
import type { Route53Component } from './types';

function args(component: Route53Component, context: OperationContext): Route53Args {
  const site = (role: SiteRole) => ({ name: context.plan.sites[role].name, ...component[role] });
  return {
    component: context.name,
    hostedZoneId: component.hostedZoneId,
    record: component.record,
    routing: component.routing,
    sites: { primary: site('primary'), secondary: site('secondary') },
    site: context.site,
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
    answerTest: component.answerTest,
    rtoMs: context.plan.objectives.rto,
  };
}

export const route53Recipe: Recipe<Route53Component> = {
  tier: () => 'traffic',

  steps(operation, component, context): StepDraft[] {
    const { name } = component.record;
    const siteName = context.plan.sites[context.site].name;
    const how = component.routing === 'failover' ? 'failover records' : 'record';
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Confirm the Route 53 ${how} ${name} and what it depends on exist`,
            action: 'route53Preflight',
            args: args(component, context),
          },
        ];
      case 'health':
        return [
          {
            key: 'points',
            title: `Check the Route 53 ${how} ${name} send traffic to ${siteName}`,
            action: 'route53Check',
            args: args(component, context),
          },
        ];
      case 'activate':
        return [
          {
            key: 'switch',
            title:
              component.routing === 'failover'
                ? `Fail ${name} over to ${siteName} (primary health check ${context.site === 'secondary' ? 'inverted' : 'restored'})`
                : `Point ${name} at ${siteName}${component[context.site].alias ? ` (an alias to ${component[context.site].alias?.dnsName})` : ''}`,
            action: 'route53Switch',
            args: args(component, context),
            destructive: true,
            // The change itself is quick; the INSYNC wait is bounded by waitTimeout plus a margin.
            timeoutMs: component.timeout ?? component.waitTimeout + 60_000,
          },
        ];
      default:
        return [];
    }
  },
};
