/**
 * `kind: opensearch`: one cluster with a node per site. Before a switch the canary document must
 * be held by the new side's node; a node is drained (allocation exclude) before the plan stops it
 * and undrained when it starts; preparation checks (or takes) a recent snapshot.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { processStep, siteName, switchArgs } from '../kit/recipe/siteSteps';
import type { SiteRole } from '../../domain';
import type { OpensearchArgs } from './actions';
import type { OpensearchComponent } from './types';

function args(component: OpensearchComponent, context: OperationContext): OpensearchArgs {
  const a: OpensearchArgs = {
    ...switchArgs(context),
    sites: {
      primary: { url: component.primary.url, node: component.primary.node },
      secondary: { url: component.secondary.url, node: component.secondary.node },
    },
    username: component.username,
    password: component.password,
    minStatus: component.minStatus,
    canaryIndex: component.canaryIndex,
    snapshot: component.snapshot && {
      repository: component.snapshot.repository,
      maxAgeMs: component.snapshot.maxAge,
      take: component.snapshot.take,
      indices: component.snapshot.indices,
    },
    waitMs: Math.max((component.timeout ?? context.plan.defaults.stepTimeout) - 10_000, 10_000),
  };
  return a;
}

export const opensearchRecipe: Recipe<OpensearchComponent> = {
  tier: () => 'search',

  steps(operation, component, context): StepDraft[] {
    const { name, site, to } = context;
    const a = args(component, context);
    const at = siteName(context, site);
    const undrain = (s: SiteRole, key = 'undrain'): StepDraft[] =>
      component[s].stop
        ? [
            {
              key,
              title: `Let shards return to ${name}'s node on ${siteName(context, s)}`,
              action: 'opensearchUndrain',
              site: s,
              args: a,
            },
          ]
        : [];
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name}'s cluster is ${component.minStatus} or better as seen from ${at}`,
            action: 'opensearchHealth',
            args: a,
          },
        ];
      case 'preflight': {
        const snap = component.snapshot;
        if (!snap) return [];
        const take =
          snap.take === 'always'
            ? 'take a snapshot of'
            : snap.take === 'if-missing'
              ? 'find (or take) a recent snapshot of'
              : 'find a recent snapshot of';
        return [
          {
            key: 'snapshot',
            title: `Check ${name}: ${take} it in ${snap.repository}`,
            action: 'opensearchSnapshot',
            args: a,
          },
        ];
      }
      case 'guard':
        return [
          // The new side's node must run and be allowed to hold shards before the switch.
          ...processStep(
            'start-target',
            `Make sure ${name}'s node on ${siteName(context, to)} runs`,
            component[to].start,
            to,
          ),
          ...undrain(to, 'undrain-target'),
          {
            key: 'guard',
            title: `Write a canary document to ${name} and wait until the node on ${siteName(context, to)} holds it`,
            action: 'opensearchGuard',
            args: a,
          },
        ];
      case 'stop':
        if (!component[site].stop) return [];
        return [
          {
            key: 'drain',
            title: `Drain ${name}'s node on ${at}: move its shards away before it stops`,
            action: 'opensearchDrain',
            args: a,
            destructive: true,
          },
          ...processStep('stop', `Stop ${name}'s node on ${at}`, component[site].stop, site),
        ];
      case 'reboot':
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
      case 'start':
        return [
          ...processStep('start', `Start ${name}'s node on ${at}`, component[site].start, site),
          ...undrain(site),
        ];
      case 'verify': {
        const verify: StepDraft = {
          key: 'verify',
          title: `Verify ${name}'s node on ${at} returns the canary from its own copy`,
          action: 'opensearchVerify',
          args: a,
        };
        if (context.phase !== 'failback-check') return [verify];
        // Back home: the other site's node rejoins, so the drill leaves the cluster whole and no node excluded.
        const away: SiteRole = site === 'primary' ? 'secondary' : 'primary';
        return [
          verify,
          ...processStep(
            'rejoin',
            `Start ${name}'s node on ${siteName(context, away)} again`,
            component[away].start,
            away,
          ),
          ...undrain(away, 'rejoin-undrain'),
        ];
      }
      default:
        return [];
    }
  },
};
