/** `kind: service`: anything run by commands and checked over HTTP. */
import { driverStep } from '../kit/recipe/driverStep';
import type { Operation, OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { otherSite } from '../../domain';
import type { ServiceComponent, ServiceSite } from './types';

const VERBS: Partial<Record<Operation, { driver: keyof ServiceSite; verb: string; destructive: boolean }>> = {
  health: { driver: 'health', verb: 'Check', destructive: false },
  stop: { driver: 'stop', verb: 'Stop', destructive: true },
  start: { driver: 'start', verb: 'Start', destructive: true },
  reboot: { driver: 'reboot', verb: 'Reboot', destructive: true },
  'maintenance-on': { driver: 'maintenanceOn', verb: 'Turn maintenance mode on for', destructive: false },
  'maintenance-off': { driver: 'maintenanceOff', verb: 'Turn maintenance mode off for', destructive: false },
};

export const serviceRecipe: Recipe<ServiceComponent> = {
  tier: (component) => component.tier,

  steps(operation, component, context): StepDraft[] {
    if (operation === 'verify') return verifyOldSideDown(component, context);
    const verb = VERBS[operation];
    const planned = verb && component[context.site][verb.driver];
    if (!verb || !planned) return [];
    const siteName = context.plan.sites[context.site].name;
    const title =
      operation === 'health'
        ? `Check ${context.name} is healthy on ${siteName}`
        : `${verb.verb} ${context.name} on ${siteName}`;
    return [driverStep(operation, title, planned, { destructive: verb.destructive })];
  },
};

/**
 * After a switch, the side we moved away from must not serve any more: two live app tiers would
 * both run scheduled jobs and take writes. Only for services the switch stopped and that have an
 * HTTP health check to ask.
 */
function verifyOldSideDown(component: ServiceComponent, context: OperationContext): StepDraft[] {
  const oldSite = otherSite(context.site);
  const old = component[oldSite];
  if (!old.stop || !old.health?.http) return [];
  const siteName = context.plan.sites[oldSite].name;
  return [
    {
      key: 'old-side-down',
      title: `Confirm ${context.name} on ${siteName} no longer answers`,
      action: 'checkHttp',
      site: oldSite,
      args: { http: old.health.http, expect: 'down' },
      timeoutMs: old.health.http.timeout,
    },
  ];
}
