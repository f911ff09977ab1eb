/**
 * `kind: s3`: a bucket per site. Before a switch a canary object is put on the old side (and, where
 * the store replicates, waited for until reported replicated); where it does not, the plan's copy
 * step runs once the old side stopped writing; after the switch the canary must be in the new
 * side's bucket, which proves the RPO.
 */
import { driverStep } from '../kit/recipe/driverStep';
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import type { CommandDriver, SiteRole } from '../../domain';
import type { S3Args } from './actions';
import type { S3Component } from './types';

function args(component: S3Component, context: OperationContext): S3Args {
  const site = (s: SiteRole) => ({
    bucket: component[s].bucket,
    region: component[s].region,
    endpoint: component[s].endpoint,
  });
  return {
    ...switchArgs(context),
    sites: { primary: site('primary'), secondary: site('secondary') },
    replication: component.replication,
    replicationTimeoutMs: component.replicationTimeout,
    forcePathStyle: component.forcePathStyle,
  };
}

/** The plan's copy command, told which way this switch copies: DRILLBOOK_S3_FROM / _TO as BUCKET@REGION (and their endpoints). */
function copyCommand(component: S3Component, from: SiteRole, to: SiteRole): CommandDriver {
  const copy = component.copy as CommandDriver;
  const where = (s: SiteRole) => ({
    [`DRILLBOOK_S3_${s === from ? 'FROM' : 'TO'}`]: `${component[s].bucket}@${component[s].region}`,
    ...(component[s].endpoint
      ? { [`DRILLBOOK_S3_${s === from ? 'FROM' : 'TO'}_ENDPOINT`]: component[s].endpoint as string }
      : {}),
  });
  return { ...copy, env: { ...copy.env, ...where(from), ...where(to) } };
}

export const s3Recipe: Recipe<S3Component> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to } = context;
    const a = args(component, context);
    const bucket = (s: SiteRole) => component[s].bucket;
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name}: bucket ${bucket(site)} on ${siteName(context, site)} answers`,
            action: 's3Health',
            args: a,
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: both buckets versioned, ${component.replication === 's3' ? `a replication rule from ${bucket(from)} to ${bucket(to)}` : 'the copy step named'}`,
            action: 's3Preflight',
            args: a,
          },
        ];
      case 'guard':
        return [
          {
            key: 'canary',
            title:
              component.replication === 's3'
                ? `Put a canary object on ${bucket(from)} and wait until S3 reports it replicated to ${bucket(to)}`
                : `Put a canary object on ${bucket(from)}`,
            action: 's3Canary',
            site: from,
            args: a,
            timeoutMs: component.replicationTimeout + 60_000,
          },
        ];
      case 'stop':
        // The store does not replicate: copy once the old side stopped writing, so the copy holds everything.
        if (!SWITCH_PHASES.has(context.phase) || component.replication !== 'copy' || !component.copy) return [];
        return [
          {
            ...driverStep(
              'copy',
              `Copy ${bucket(site)} to ${bucket(to)} (the plan's copy step: the store does not replicate)`,
              { command: copyCommand(component, site, to) },
              { destructive: true },
            ),
            site,
          },
        ];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${bucket(site)} on ${siteName(context, site)} holds the canary object put before the switch`,
            action: 's3Verify',
            args: a,
          },
        ];
      // Reprotect (site = the returned old site): replication reversed, serving -> returned.
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name}'s bucket ${bucket(site)} on ${siteName(context, site)} answers again (however long the step's timeout allows)`,
            action: 's3AwaitReturn',
            args: a,
          },
        ];
      case 'reprotect':
        return [
          {
            key: 'reverse',
            title: `Reverse ${name}'s replication: ${bucket(to)} (serving) replicates to ${bucket(site)}`,
            action: 's3ReverseReplication',
            args: a,
            destructive: true,
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'reversed',
            title: `Check ${bucket(to)} holds an enabled replication rule to ${bucket(site)}`,
            action: 's3Reversed',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
