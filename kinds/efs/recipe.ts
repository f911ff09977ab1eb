/**
 * `kind: efs`: EFS replication from the primary region's file system to the secondary's. Before a
 * planned failover the last sync must be recent; failover deletes the replication so the
 * destination becomes writable (destructive: it ends the protection, approved with its phase).
 * Failing back reverses the replication into the primary's file system before the stop, waits
 * after the stop for a sync newer than it, deletes the reversal so the primary writes, and
 * replicates primary -> secondary again (checked in sync after the switch).
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { servingSite, siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { EfsArgs } from './actions';
import type { EfsComponent } from './types';

function args(component: EfsComponent, context: OperationContext): EfsArgs {
  return {
    ...switchArgs(context),
    sites: { primary: component.primary, secondary: component.secondary },
    maxSyncAgeMs: component.maxSyncAge,
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

export const efsRecipe: Recipe<EfsComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    const src = component.primary.fileSystemId;
    const dst = component.secondary.fileSystemId;
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check EFS replication ${src} -> ${dst} is enabled and its last sync recent`,
            action: 'efsPreflight',
            args: a,
          },
        ];
      case 'health': {
        const serving = servingSite(context) === context.site;
        return [
          {
            key: 'health',
            title: `Check EFS ${component[context.site].fileSystemId} (${at}) is available${serving ? ' and writable' : ''}`,
            action: 'efsHealth',
            args: { ...a, serving },
          },
        ];
      }
      case 'guard':
        if (context.phase === 'failback')
          return [
            {
              key: 'replicate-back',
              title: `Replicate EFS back into ${siteName(context, 'primary')}'s ${src}: overwrite protection off, create ${dst} -> ${src} (it overwrites ${src} with the secondary's files) and wait for its first sync`,
              action: 'efsReplicate',
              args: { ...a, waitForSync: true },
              site: 'primary',
              destructive: true,
              timeoutMs: waitingTimeout(component.waitTimeout),
            },
          ];
        return context.to === 'secondary'
          ? [
              {
                key: 'guard',
                title: context.planned
                  ? `Refuse to fail EFS over unless ${src} -> ${dst} synced within the RPO`
                  : `Record how old the last EFS sync ${src} -> ${dst} is`,
                action: 'efsGuard',
                args: a,
              },
            ]
          : [];
      case 'activate':
        if (context.site === 'secondary') {
          return [
            {
              key: 'failover',
              title: `Fail EFS over to ${at}: delete the replication ${src} -> ${dst} and wait until ${dst} is writable`,
              action: 'efsFailover',
              args: a,
              destructive: true,
              timeoutMs: waitingTimeout(component.waitTimeout),
            },
          ];
        }
        return [
          {
            key: 'failback',
            title: `Fail EFS back to ${at}: wait for a sync ${dst} -> ${src} newer than the stop, delete that replication and wait until ${src} is writable`,
            action: 'efsFailover',
            args: { ...a, syncAfterStop: true },
            destructive: true,
            // A sync, then the destination turning writable: each may take the whole wait.
            timeoutMs: waitingTimeout(2 * component.waitTimeout),
          },
          {
            key: 'reprotect',
            title: `Replicate EFS ${src} -> ${dst} again (it overwrites ${dst}; whether it synced is checked after the switch)`,
            action: 'efsReplicate',
            args: { ...a, waitForSync: false },
            site: 'secondary',
            destructive: true,
          },
        ];
      case 'verify':
        return context.phase === 'failback-check'
          ? [
              {
                key: 'in-sync',
                title: `Check EFS ${src} -> ${dst} replicates again: enabled, synced, last sync within the RPO`,
                action: 'efsInSync',
                args: a,
                site: 'secondary',
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
