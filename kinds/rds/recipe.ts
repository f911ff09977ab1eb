/**
 * `kind: rds`: Amazon RDS as the database tier. The switch is the managed failover of the plan's
 * mode (Multi-AZ reboot with failover, read-replica promotion, Aurora cluster failover, Aurora
 * global switchover). A promoted replica cannot be demoted, so failing back from one is a person's
 * work: the runbook says what to do and waits for them.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { servingSite, siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { SiteRole } from '../../domain';
import type { RdsArgs } from './actions';
import type { RdsComponent } from './types';

function args(component: RdsComponent, context: OperationContext): RdsArgs {
  return {
    ...switchArgs(context),
    mode: component.mode,
    instance: component.instance,
    cluster: component.cluster,
    globalCluster: component.globalCluster,
    region: component.region,
    sites: { primary: component.primary, secondary: component.secondary },
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

/** What serves on a site, as a person names it. */
function where(component: RdsComponent, site: SiteRole): string {
  const s = component[site];
  switch (component.mode) {
    case 'multi-az':
      return `instance ${component.instance} in ${s.availabilityZone}`;
    case 'read-replica':
      return `instance ${s.instance}${s.region ? ` (${s.region})` : ''}`;
    case 'aurora-cluster':
      return `cluster ${component.cluster} writing on ${s.instance}`;
    case 'aurora-global':
      return `global cluster ${component.globalCluster} writing in ${s.cluster} (${s.region})`;
  }
}

function activate(component: RdsComponent, context: OperationContext, a: RdsArgs): StepDraft[] {
  const to = where(component, context.site);
  const wait = waitingTimeout(component.waitTimeout);
  if (component.mode === 'read-replica' && context.site === 'primary') {
    const primary = component.primary.instance;
    const secondary = component.secondary.instance;
    return [
      {
        key: 'rebuild',
        title: `Make ${primary} the writer again: RDS cannot demote a promoted replica`,
        action: 'manualTask',
        args: {
          instructions: `Re-create ${primary} as a cross-region read replica of ${secondary}, wait until it has caught up, stop writes, promote ${primary}, point the application at it, then re-create ${secondary} as its replica. Mark this done when ${primary} takes writes.`,
        },
      },
    ];
  }
  const titles: Record<RdsComponent['mode'], string> = {
    'multi-az': `Fail RDS over to ${to}: reboot with failover, wait until the instance left and came back available there`,
    'read-replica': `Promote the read replica ${to} to a standalone writer and wait until it is available`,
    'aurora-cluster': `Fail Aurora over to ${to} and wait until that member writes`,
    'aurora-global': `Switch over ${to} and wait until that region writes`,
  };
  return [
    {
      key: 'activate',
      title: titles[component.mode],
      action: 'rdsActivate',
      args: a,
      destructive: true,
      timeoutMs: wait,
    },
  ];
}

export const rdsRecipe: Recipe<RdsComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check RDS ${component.mode}: ${where(component, 'primary')} writes and ${where(component, 'secondary')} is ready to take over`,
            action: 'rdsPreflight',
            args: a,
          },
        ];
      case 'health': {
        const serving = servingSite(context) === context.site;
        return [
          {
            key: 'health',
            title: serving
              ? `Check RDS serves from ${at}: ${where(component, context.site)} available and writing`
              : `Check RDS on ${at} stands by: ${where(component, context.site)} available`,
            action: 'rdsHealth',
            args: { ...a, serving },
          },
        ];
      }
      case 'guard':
        return [
          {
            key: 'guard',
            title: context.planned
              ? `Refuse to fail RDS over to ${siteName(context, context.to)} unless it is ready${component.mode === 'read-replica' ? ' and the replica lag is within the RPO' : ''}`
              : `Record how ready RDS on ${siteName(context, context.to)} is before the failover`,
            action: 'rdsGuard',
            args: a,
          },
        ];
      case 'activate':
        return activate(component, context, a);
      default:
        return [];
    }
  },
};
