/** `kind: service`: anything run by commands and checked over HTTP. */
import { driverStep } from '../kit/recipe/driverStep';
import type { Operation, OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { otherSite, type Driver } from '../../domain';
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
    if (operation === 'await-return') return awaitReturn(component, context);
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

/**
 * Reprotect: wait until the lost site's service answers again, for as long as the component's (or the
 * plan's) step timeout. Its health check minus what it says about the body: a returned node may
 * answer without serving yet (its database fenced read-only), and answering is what is awaited.
 * Only services that run on the site (a start command) are awaited; a shared frontend is not a site's.
 */
function awaitReturn(component: ServiceComponent, context: OperationContext): StepDraft[] {
  const site = component[context.site];
  const { http, command } = site.health ?? {};
  if (!site.start || (!http && !command)) return [];
  const waitMs = component.timeout ?? context.plan.defaults.stepTimeout;
  const siteName = context.plan.sites[context.site].name;
  const health: Driver = http
    ? { http: { ...http, bodyMatch: undefined, expectJson: undefined, within: waitMs } }
    : { command: command && { ...command, expectOutput: undefined, within: waitMs } };
  return [
    driverStep(
      'returned',
      `Wait until ${context.name} on ${siteName} answers again (at most ${Math.round(waitMs / 1000)}s)`,
      health,
      { readOnly: true },
    ),
  ];
}
