/**
 * `kind: redis`: a master and its replica on the other site. A switch: guard (link up, lag within
 * the RPO, canary key acknowledged by the replica), fence the old master (writes refused at once),
 * promote the new one once it holds everything (FAILOVER, which also makes the old master its
 * replica), re-protect the old master, verify the canary and that only one side writes.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { hostPorts, processStep, siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import { otherSite, type SiteRole } from '../../domain';
import type { RedisArgs } from './actions';
import type { RedisComponent } from './types';

function args(component: RedisComponent, context: OperationContext): RedisArgs {
  return {
    ...switchArgs(context),
    sites: hostPorts(component),
    username: component.username,
    password: component.password,
    catchUpTimeoutMs: component.catchUpTimeout,
    minReplicasToWrite: component.minReplicasToWrite,
    maxLagBytes: component.maxLagBytes,
  };
}

export const redisRecipe: Recipe<RedisComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to, planned } = context;
    const a = args(component, context);
    const at = siteName(context, site);
    const waitTimeout = component.catchUpTimeout + 60_000;
    const reprotect = (target: SiteRole): StepDraft => ({
      key: 'reprotect',
      title: `Re-protect ${name}: ${siteName(context, target)} replicates from ${siteName(context, otherSite(target))}`,
      action: 'redisReprotect',
      site: target,
      args: a,
      destructive: true,
      timeoutMs: waitTimeout,
    });
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name} answers on ${at} (role and replication)`,
            action: 'redisHealth',
            args: a,
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: one master, its replica on the other site with the link up`,
            action: 'redisPreflight',
            args: a,
          },
        ];
      case 'guard':
        return [
          // Failback after an outage: the old master must first follow the new one.
          ...(planned ? [reprotect(to)] : []),
          {
            key: 'guard',
            title: planned
              ? `Refuse to switch ${name} to ${siteName(context, to)} unless its link is up and its lag within the RPO; write a canary key on ${siteName(context, from)} and WAIT for the replica`
              : `Record ${name}'s lag on ${siteName(context, to)} and write a canary key if ${siteName(context, from)} still answers`,
            action: 'redisGuard',
            args: a,
          },
        ];
      case 'stop': {
        const fence: StepDraft[] = SWITCH_PHASES.has(context.phase)
          ? [
              {
                key: 'fence',
                title: `Fence ${name} on ${at}: writes refused at once (min-replicas-to-write out of reach)`,
                action: 'redisFence',
                args: a,
                destructive: true,
              },
            ]
          : [];
        return [...fence, ...processStep('stop', `Stop ${name} on ${at}`, component[site].stop, site)];
      }
      case 'reboot':
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
      case 'start':
        return processStep('start', `Start ${name} on ${at}`, component[site].start, site);
      case 'activate':
        return [
          {
            key: 'promote',
            title: planned
              ? `Make ${name} on ${at} the master once it holds everything ${siteName(context, from)} wrote (FAILOVER)`
              : `Promote ${name} on ${at} (REPLICAOF NO ONE) and record how long its link was down`,
            action: 'redisPromote',
            args: a,
            destructive: true,
            timeoutMs: waitTimeout,
          },
          reprotect(from),
        ];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} is the only master, takes writes and holds the canary key`,
            action: 'redisVerify',
            args: a,
          },
        ];
      // Reprotect (site = the returned old site, `to` = the serving one).
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name} on ${at} answers again (however long the step's timeout allows)`,
            action: 'redisAwaitReturn',
            args: a,
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Fence ${name} on ${at}: a replica already refuses writes; a master gets min-replicas-to-write out of reach, proven by a refused probe write`,
            action: 'redisFence',
            args: a,
            destructive: true,
          },
        ];
      case 'reprotect':
        return [reprotect(site)];
      case 'reprotected':
        return [
          {
            key: 'reprotected',
            title: `Check ${name} on ${at} replicates from ${siteName(context, to)} with its link up and has caught up within the RPO`,
            action: 'redisReprotected',
            args: a,
            timeoutMs: waitTimeout,
          },
        ];
      default:
        return [];
    }
  },
};
