/**
 * `kind: sharedStorage`: a shared folder per site with replication between them. Before a switch a
 * canary file written on the old side must be read on the new one (its age on arrival is the
 * replication lag); the plan's activate command makes the new side's copy the writable one; after
 * the switch the new side must take writes and hold the canary. When a lost site returns (reprotect)
 * its copy must never replicate over the serving one: the serving side is made the source, a file
 * written on the returned side must not reach it, and a canary then crosses serving -> returned.
 */
import { driverStep } from '../kit/recipe/driverStep';
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { servingSite, siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { SharedStorageComponent } from './types';
import type { StorageArgs } from './actions';

function args(component: SharedStorageComponent, context: OperationContext): StorageArgs {
  const site = (s: SharedStorageComponent['primary']) => ({ path: s.path, via: s.via, mountpoint: s.mountpoint });
  return {
    ...switchArgs(context),
    sites: { primary: site(component.primary), secondary: site(component.secondary) },
    canaryTimeoutMs: component.canaryTimeout,
  };
}

/** The reprotect's canary runs the other way: written on the serving site (`to`), read on the returned one. */
function reversed(a: StorageArgs, purpose: string): StorageArgs {
  return { ...a, from: a.to, to: a.from, canary: `${a.to}-to-${a.from}-${purpose}` };
}

export const sharedStorageRecipe: Recipe<SharedStorageComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to, planned } = context;
    const a = args(component, context);
    const at = siteName(context, site);
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: the shared folder is there on both sites and takes writes on ${siteName(context, from)}`,
            action: 'storagePreflight',
            args: a,
          },
        ];
      case 'health': {
        const serving = servingSite(context) === site;
        return [
          {
            key: 'health',
            title: `Check ${name}'s shared folder on ${at} is mounted and ${serving ? 'takes writes' : 'readable (standby)'}`,
            action: 'storageHealth',
            args: { ...a, serving },
          },
        ];
      }
      case 'guard':
        return [
          {
            key: 'guard',
            title: planned
              ? `Write a canary file to ${name} on ${siteName(context, from)} and wait until ${siteName(context, to)} reads it (replication lag within the RPO)`
              : `Write a canary file to ${name} on ${siteName(context, from)} if it still answers, and see whether it reaches ${siteName(context, to)}`,
            action: 'storageGuard',
            args: a,
            timeoutMs: waitingTimeout(2 * component.canaryTimeout),
          },
        ];
      case 'activate': {
        const driver = component[site].activate;
        return driver
          ? [driverStep('activate', `Make ${name}'s copy on ${at} the writable one`, driver, { destructive: true })]
          : [];
      }
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} takes writes and holds the canary file written before the switch`,
            action: 'storageVerify',
            args: a,
            timeoutMs: waitingTimeout(component.canaryTimeout),
          },
        ];
      case 'await-return':
        return [
          {
            key: 'returned',
            title: `Wait until ${name}'s shared folder on ${at} is back (as long as this step's timeout allows)`,
            action: 'storageAwaitReturn',
            args: a,
          },
        ];
      case 'fence': {
        // In reprotect phases `to` serves and `site` (= from) is the returned one.
        const direction = component[to].activate;
        return [
          ...(direction
            ? [
                {
                  ...driverStep(
                    'source',
                    `Keep ${name} replicating from ${siteName(context, to)} only (its activate command), so ${at}'s copy never goes over it`,
                    direction,
                    { destructive: true },
                  ),
                  site: to,
                },
              ]
            : []),
          {
            key: 'fenced',
            title: `Check nothing written on ${at}'s copy of ${name} reaches ${siteName(context, to)}`,
            action: 'storageFenced',
            args: { ...a, canary: `${site}-fence` },
            timeoutMs: waitingTimeout(component.canaryTimeout),
          },
        ];
      }
      case 'reprotect':
        return [
          {
            key: 'resync',
            title: `Bring ${name}'s copy on ${at} level with ${siteName(context, to)}: a canary file written there is read on ${at}`,
            action: 'storageGuard',
            args: reversed(a, 'resync'),
            timeoutMs: waitingTimeout(2 * component.canaryTimeout),
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'replicates',
            title: `Check ${name} replicates ${siteName(context, to)} -> ${at} within the RPO: a new canary file written on ${siteName(context, to)} is read on ${at}`,
            action: 'storageGuard',
            args: reversed(a, 'reprotected'),
            timeoutMs: waitingTimeout(2 * component.canaryTimeout),
          },
        ];
      default:
        return [];
    }
  },
};
