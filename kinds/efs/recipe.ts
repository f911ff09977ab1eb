/**
 * `kind: efs`: EFS replication from the primary region's file system to the secondary's. Before a
 * planned failover the last sync must be recent; failover deletes the replication so the
 * destination becomes writable (destructive: it ends the protection, approved with its phase).
 * Failing back means replicating the other way first: a person's work the runbook spells out.
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
            key: 'replicate-back',
            title: `Bring ${siteName(context, 'primary')}'s EFS ${src} up to date from ${dst}`,
            action: 'manualTask',
            args: {
              instructions: `Turn replication overwrite protection off on ${src}, create a replication ${dst} -> ${src}, wait until its first sync is done, stop writes, delete that replication, then create ${src} -> ${dst} again. Mark this done when ${src} is writable and holds the secondary's data.`,
            },
          },
        ];
      default:
        return [];
    }
  },
};
