/**
 * `kind: postgres`: a primary and a streaming standby. A switch: guard (streaming, lag within the
 * RPO, canary), stop the old primary cleanly when the plan can (else the promote fences it
 * online), promote with pg_promote once caught up, re-protect the old primary as a standby with
 * pg_rewind through the plan's rewind command, verify the canary and that only one side writes.
 * After an outage (failover mode) nothing touches the lost primary: reprotect mode waits until it
 * answers, checks it refuses writes (fencing it if its start did not), rewinds it under the new
 * primary and checks it streams, caught up.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { hostPorts, processStep, siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import type { SiteRole } from '../../domain';
import type { PostgresArgs } from './actions';
import type { PostgresComponent } from './types';

function args(component: PostgresComponent, context: OperationContext, rewindSite?: SiteRole): PostgresArgs {
  const a: PostgresArgs = {
    ...switchArgs(context),
    sites: hostPorts(component),
    user: component.user,
    password: component.password,
    database: component.database,
    catchUpTimeoutMs: component.catchUpTimeout,
  };
  const rewind = rewindSite && component[rewindSite].rewind?.command;
  if (rewind) a.rewind = rewind;
  return a;
}

export const postgresRecipe: Recipe<PostgresComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to, planned } = context;
    const at = siteName(context, site);
    const promoteTimeout = component.catchUpTimeout + 120_000;
    // In reprotect mode the step is always there: without a rewind command it fails saying so.
    const reprotect = (target: SiteRole, always = false): StepDraft[] =>
      always || component[target].rewind?.command
        ? [
            {
              key: 'reprotect',
              title: `Re-protect ${name}: ${siteName(context, target)} rejoins as a standby of ${siteName(context, target === 'primary' ? 'secondary' : 'primary')} (pg_rewind)`,
              action: 'postgresReprotect',
              site: target,
              args: args(component, context, target),
              destructive: true,
              timeoutMs: (component[target].rewind?.command?.timeout ?? 300_000) + 90_000,
            },
          ]
        : [];
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name} answers on ${at} (role and replication)`,
            action: 'postgresHealth',
            args: args(component, context),
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: one primary, a streaming standby, both ready for pg_rewind`,
            action: 'postgresPreflight',
            args: args(component, context),
          },
        ];
      case 'guard':
        return [
          // Failback after a real outage: the old primary must first be a standby of the new one.
          ...(planned ? reprotect(to) : []),
          {
            key: 'guard',
            title: planned
              ? `Refuse to switch ${name} to ${siteName(context, to)} unless it streams with lag within the RPO; write a canary row on ${siteName(context, from)}`
              : `Record ${name}'s lag on ${siteName(context, to)} and write a canary row if ${siteName(context, from)} still answers`,
            action: 'postgresGuard',
            args: args(component, context),
          },
        ];
      case 'stop':
        // In a switch, a clean shutdown is the fence: the walsender ships everything first.
        return processStep(
          'stop',
          SWITCH_PHASES.has(context.phase)
            ? `Stop ${name} on ${at} cleanly (fences the old primary)`
            : `Stop ${name} on ${at}`,
          component[site].stop,
          site,
        );
      case 'reboot':
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
      case 'start':
        return processStep('start', `Start ${name} on ${at}`, component[site].start, site);
      case 'activate':
        return [
          {
            key: 'promote',
            title: planned
              ? `Promote ${name} on ${at} once it replayed everything ${siteName(context, from)} wrote`
              : `Promote ${name} on ${at} (pg_promote) and record the lag it had`,
            action: 'postgresPromote',
            args: args(component, context),
            destructive: true,
            timeoutMs: promoteTimeout,
          },
          // After an outage the old primary's site is lost: reprotect mode rewinds it once it is back.
          ...(planned ? reprotect(from) : []),
        ];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} is the only primary and holds the canary written before the switch`,
            action: 'postgresVerify',
            args: args(component, context),
          },
        ];
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name} on ${at} answers again (however long the step's timeout allows)`,
            action: 'postgresAwaitReturn',
            args: args(component, context),
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Make sure ${name} on ${at} refuses writes while ${siteName(context, to)} serves (a standby, or fenced read-only now)`,
            action: 'postgresFence',
            args: args(component, context),
            destructive: true,
          },
        ];
      case 'reprotect':
        return reprotect(site, true);
      case 'reprotected':
        return [
          {
            key: 'reprotected',
            title: `Check ${name} on ${at} streams from ${siteName(context, to)} and replayed its WAL within the RPO`,
            action: 'postgresReprotected',
            args: args(component, context),
          },
        ];
      default:
        return [];
    }
  },
};
