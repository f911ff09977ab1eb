/**
 * `kind: mysql`: a MySQL 8 / MariaDB master-master pair. A switch moves the writer: guard (healthy
 * replication, lag within the RPO, canary), fence the old writer, promote the new one after it
 * caught up, verify the canary and that only one side writes. After an outage, reprotect waits for
 * the lost writer to answer, checks it is fenced (read_only), lists what it wrote that never
 * replicated, re-seeds it from the writer and checks it replicates.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { hostPorts, processStep, siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import type { MysqlArgs } from './actions';
import type { MysqlComponent } from './types';

function args(component: MysqlComponent, context: OperationContext): MysqlArgs {
  const reseed = component[context.site].reseed?.command;
  return {
    ...(reseed ? { reseed } : {}),
    ...switchArgs(context),
    sites: hostPorts(component),
    user: component.user,
    password: component.password,
    canaryDatabase: component.canaryDatabase,
    catchUpTimeoutMs: component.catchUpTimeout,
    killSessionsOf: component.killSessionsOf,
  };
}

export const mysqlRecipe: Recipe<MysqlComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to, planned } = context;
    const a = args(component, context);
    const at = siteName(context, site);
    // A promote waits up to catchUpTimeout for the candidate; leave room around that wait.
    const promoteTimeout = component.catchUpTimeout + 60_000;
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name} answers on ${at} (role and replication)`,
            action: 'mysqlHealth',
            args: a,
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: replication both ways, distinct server ids and auto-increment offsets, one writer`,
            action: 'mysqlPreflight',
            args: a,
          },
        ];
      case 'guard':
        return [
          {
            key: 'guard',
            title: planned
              ? `Refuse to switch ${name} to ${siteName(context, to)} unless replication is healthy and lag is within the RPO; write a canary row on ${siteName(context, from)}`
              : `Record ${name}'s replication lag on ${siteName(context, to)} and write a canary row if ${siteName(context, from)} still answers`,
            action: 'mysqlGuard',
            args: a,
          },
        ];
      case 'stop': {
        const fence: StepDraft[] = SWITCH_PHASES.has(context.phase)
          ? [
              {
                key: 'fence',
                title: `Fence ${name} on ${at}: read-only, end app sessions, list sessions that could still write`,
                action: 'mysqlFence',
                args: a,
                destructive: true,
              },
            ]
          : [];
        return [...fence, ...processStep('stop', `Stop ${name} on ${at}`, component[site].stop, site)];
      }
      case 'reboot':
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
      case 'start': {
        const start = processStep('start', `Start ${name} on ${at}`, component[site].start, site);
        // After its own restart (pre-reboot) the primary site's node must write again.
        const rewrite: StepDraft[] =
          !SWITCH_PHASES.has(context.phase) && (component[site].stop || component[site].start)
            ? [
                {
                  key: 'writer',
                  title: `Make ${name} on ${at} the writer again after its restart`,
                  action: 'mysqlPromote',
                  args: { ...a, planned: true },
                  destructive: true,
                  timeoutMs: promoteTimeout,
                },
              ]
            : [];
        return [...start, ...rewrite];
      }
      case 'activate':
        return [
          {
            key: 'promote',
            title: planned
              ? `Make ${name} on ${at} the writer: fence ${siteName(context, from)}, wait until ${at} applied everything, then make it writable`
              : `Promote ${name} on ${at}: fence ${siteName(context, from)} if it still answers, make ${at} writable, record its lag`,
            action: 'mysqlPromote',
            args: a,
            destructive: true,
            timeoutMs: promoteTimeout,
          },
        ];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} is the only writer and holds the canary written before the switch`,
            action: 'mysqlVerify',
            args: a,
          },
        ];
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name} on ${at} answers again (however long the step's timeout allows)`,
            action: 'mysqlAwaitReturn',
            args: a,
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Make sure ${name} on ${at} cannot take writes while ${siteName(context, to)} serves: read-only (set it if its start did not)`,
            action: 'mysqlFence',
            args: a,
            destructive: true,
          },
        ];
      case 'reprotect':
        return [
          {
            key: 'reprotect',
            title: `Reprotect ${name}: list what ${at} wrote that never reached ${siteName(context, to)} (writes to reconcile), re-seed ${at} from ${siteName(context, to)} and replicate both ways`,
            action: 'mysqlReprotect',
            args: a,
            destructive: true,
            timeoutMs: (component[site].reseed?.command?.timeout ?? 300_000) + component.catchUpTimeout + 60_000,
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'reprotected',
            title: `Check ${name} on ${at} replicates from ${siteName(context, to)}, read-only and caught up within the RPO`,
            action: 'mysqlReprotected',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
