/**
 * `kind: elasticache`: Amazon ElastiCache as the cache tier's managed failover. Nothing is stopped or
 * started: ElastiCache refuses REPLICAOF, FAILOVER and CONFIG, so the switch is its own API
 * (TestFailover inside a replication group, FailoverGlobalReplicationGroup between regions), guarded
 * by CloudWatch's replication lag and a canary key written on the serving side and read on the other.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { servingSite, siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { SiteRole } from '../../domain';
import type { ElasticacheArgs } from './actions';
import type { ElasticacheComponent } from './types';

function args(component: ElasticacheComponent, context: OperationContext): ElasticacheArgs {
  return {
    ...switchArgs(context),
    mode: component.mode,
    globalReplicationGroup: component.globalReplicationGroup,
    nodeGroup: component.nodeGroup,
    sites: { primary: component.primary, secondary: component.secondary },
    tls: component.tls === false ? undefined : component.tls,
    username: component.username,
    password: component.authToken,
    catchUpTimeoutMs: component.catchUpTimeout,
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

/** What serves on a site, as a person names it. */
function where(component: ElasticacheComponent, site: SiteRole): string {
  const s = component[site];
  return component.mode === 'multi-az'
    ? `node ${s.member} of ${s.replicationGroup}`
    : `${s.replicationGroup} (${s.region})`;
}

function activate(component: ElasticacheComponent, context: OperationContext, a: ElasticacheArgs): StepDraft {
  const to = where(component, context.site);
  const title =
    component.mode === 'multi-az'
      ? `Fail ${context.name} over to ${to}: TestFailover of node group ${component.nodeGroup}, wait until that node is primary and the group available`
      : context.planned
        ? `Fail the Global Datastore ${component.globalReplicationGroup} over to ${to} (FailoverGlobalReplicationGroup), wait until that region is primary`
        : `Promote ${to} (FailoverGlobalReplicationGroup; should ElastiCache refuse it, DisassociateGlobalReplicationGroup leaves it a standalone primary), wait until it takes writes`;
  return {
    key: 'activate',
    title,
    action: 'elasticacheActivate',
    args: a,
    destructive: true,
    timeoutMs: waitingTimeout(component.waitTimeout),
  };
}

export const elasticacheRecipe: Recipe<ElasticacheComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const { name, from, to, planned } = context;
    const at = siteName(context, context.site);
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: ${where(component, 'primary')} is primary and available, ${where(component, 'secondary')} ready; both endpoints answer over ${component.tls === false ? 'TCP' : 'TLS'} with the AUTH token`,
            action: 'elasticachePreflight',
            args: a,
          },
        ];
      case 'health': {
        const serving = servingSite(context) === context.site;
        return [
          {
            key: 'health',
            title: serving
              ? `Check ${name} serves from ${at}: ${where(component, context.site)} is primary and available`
              : `Check ${name} on ${at} stands by: ${where(component, context.site)} available as a replica`,
            action: 'elasticacheHealth',
            args: { ...a, serving },
          },
        ];
      }
      case 'guard':
        return [
          {
            key: 'guard',
            title: planned
              ? `Refuse to fail ${name} over to ${siteName(context, to)} unless CloudWatch's ${component.mode === 'multi-az' ? 'ReplicationLag' : 'GlobalDatastoreReplicationLag'} is within the RPO; write a canary key on ${siteName(context, from)} and read it on ${siteName(context, to)}`
              : `Record ${name}'s replication lag on ${siteName(context, to)} and write a canary key if ${siteName(context, from)} still answers`,
            action: 'elasticacheGuard',
            args: a,
          },
        ];
      case 'activate':
        return [activate(component, context, a)];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} takes writes and holds the canary key, and ${siteName(context, from)} no longer takes writes`,
            action: 'elasticacheVerify',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
