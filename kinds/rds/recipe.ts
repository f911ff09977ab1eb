/**
 * `kind: rds`: Amazon RDS as the database tier. The switch is the managed failover of the plan's
 * mode (Multi-AZ reboot with failover, read-replica promotion, Aurora cluster failover, Aurora
 * global switchover, or its outage failover when the primary's region is gone). A promoted replica
 * cannot be demoted, so failing back re-creates the old primary as a replica of the new one, waits
 * until it caught up, promotes it, and re-creates the standby's replica. A read replica whose
 * primary is Multi-AZ (`primary.multiAz`) also fails over inside its region while pre-reboot
 * reboots the primary site.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { servingSite, siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import { otherSite, type SiteRole } from '../../domain';
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

/** The instance and region of a read-replica site, as a person names it. */
const instanceAt = (component: RdsComponent, site: SiteRole): string =>
  `${component[site].instance}${component[site].region ? ` in ${component[site].region}` : ''}`;

/**
 * Failing back a promoted replica, before the stop: keep the old primary aside, re-create it as a
 * replica of the serving side and wait until it caught up; then the guard checks the lag once more.
 */
function rebuildSteps(component: RdsComponent, context: OperationContext, a: RdsArgs): StepDraft[] {
  const site = context.to;
  const other = otherSite(site);
  const wait = waitingTimeout(component.waitTimeout);
  return [
    {
      key: 'retire',
      title: `Keep ${component[site].instance} aside: snapshot it, then rename it so its replica can take its name (nothing is deleted; its old endpoint stops answering)`,
      action: 'rdsRetire',
      args: a,
      site,
      destructive: true,
      // A snapshot and a rename each wait: room for both.
      timeoutMs: wait + component.waitTimeout,
    },
    {
      key: 'replica',
      title: `Re-create ${instanceAt(component, site)} as a read replica of ${component[other].instance} and wait until it is available and within the RPO`,
      action: 'rdsCreateReplica',
      args: { ...a, waitCaughtUp: true },
      site,
      timeoutMs: wait,
    },
  ];
}

function activate(component: RdsComponent, context: OperationContext, a: RdsArgs): StepDraft[] {
  const to = where(component, context.site);
  const wait = waitingTimeout(component.waitTimeout);
  const titles: Record<RdsComponent['mode'], string> = {
    'multi-az': `Fail RDS over to ${to}: reboot with failover, wait until the instance left and came back available there`,
    'read-replica': `Promote the read replica ${to} to a standalone writer and wait until it is available`,
    'aurora-cluster': `Fail Aurora over to ${to} and wait until that member writes`,
    'aurora-global': context.planned
      ? `Switch over ${to} and wait until that region writes`
      : `Fail over ${to} with data loss allowed (FailoverGlobalCluster: the primary's region is gone, what it had not replicated is lost) and wait until that region writes`,
  };
  const switched: StepDraft = {
    key: 'activate',
    title: titles[component.mode],
    action: 'rdsActivate',
    args: a,
    destructive: true,
    timeoutMs: wait,
  };
  if (component.mode !== 'read-replica' || context.phase !== 'failback') return [switched];
  // Promoted back: the standby's old instance is set aside and re-created as the new writer's replica.
  const standby = otherSite(context.site);
  return [
    switched,
    {
      key: 'retire-standby',
      title: `Keep ${component[standby].instance} aside: snapshot it, then rename it so the standby's replica can take its name (nothing is deleted)`,
      action: 'rdsRetire',
      args: a,
      site: standby,
      destructive: true,
      timeoutMs: wait + component.waitTimeout,
    },
    {
      key: 'standby-replica',
      title: `Re-create ${instanceAt(component, standby)} as a read replica of ${component[context.site].instance} (its catching up is checked after the switch)`,
      action: 'rdsCreateReplica',
      args: { ...a, waitCaughtUp: false },
      site: standby,
    },
  ];
}

/** The guard of a switch; failing back a promoted replica first rebuilds the way back. */
function guard(component: RdsComponent, context: OperationContext, a: RdsArgs): StepDraft[] {
  const to = siteName(context, context.to);
  const rejoin =
    component.mode === 'aurora-global' && context.phase === 'failback'
      ? ` once ${component[context.to].cluster} rejoined the global cluster and is in sync`
      : '';
  const check: StepDraft = {
    key: 'guard',
    title: context.planned
      ? `Refuse to fail RDS over to ${to} unless it is ready${component.mode === 'read-replica' ? ' and the replica lag is within the RPO' : ''}${rejoin}`
      : `Record how ready RDS on ${to} is before the failover`,
    action: 'rdsGuard',
    args: a,
  };
  return component.mode === 'read-replica' && context.phase === 'failback'
    ? [...rebuildSteps(component, context, a), check]
    : [check];
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
        return guard(component, context, a);
      case 'activate':
        return activate(component, context, a);
      case 'reboot':
        // Inside the region: the primary's Multi-AZ standby takes over while the site is rebooted.
        return component.mode === 'read-replica' && component[context.site].multiAz
          ? [
              {
                key: 'multi-az-failover',
                title: `Multi-AZ failover of ${component[context.site].instance} inside ${at}: reboot with failover, the Availability Zones before and after on the record`,
                action: 'rdsInSiteFailover',
                args: a,
                destructive: true,
                timeoutMs: waitingTimeout(component.waitTimeout),
                // Each attempt would fail over once more: a failover not observed goes to a person.
                retry: { maximumAttempts: 1 },
              },
            ]
          : [];
      case 'verify':
        // After failing back: the standby's re-created replica has caught up, the pair protected again.
        return component.mode === 'read-replica' && context.phase === 'failback-check'
          ? [
              {
                key: 'standby-caught-up',
                title: `Check ${instanceAt(component, otherSite(context.site))} replicates ${component[context.site].instance} again: available and within the RPO`,
                action: 'rdsReplicaCaughtUp',
                args: a,
                site: otherSite(context.site),
                readOnly: true,
                timeoutMs: waitingTimeout(component.waitTimeout),
              },
            ]
          : [];
      default:
        return [];
    }
  },
};
