/**
 * `kind: opensearch`, `topology: cluster-per-site`: a cluster per site and a repository both read.
 * A switch checks the new side's cluster, takes the old side's final snapshot once the app stopped
 * writing (canary and counts inside), restores it on the new side and verifies counts and canary.
 * `opensearchAnyRecipe` picks this or the one-cluster recipe by the component's topology.
 */
import { opensearchRecipe } from './oneClusterRecipe';
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { processStep, siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import type { OpensearchClusterSite, OpensearchComponent, OpensearchSitesComponent } from './types';
import type { OpensearchSitesArgs, OpensearchSitesEndpoint } from './clusterPerSiteActions';

/** What a step needs of a site: its URL, and for an Amazon OpenSearch domain its signing and S3 repository. */
const endpoint = ({ url, aws, s3Repository }: OpensearchClusterSite): OpensearchSitesEndpoint => ({
  url,
  ...(aws ? { aws } : {}),
  ...(s3Repository ? { s3Repository } : {}),
});

function args(component: OpensearchSitesComponent, context: OperationContext): OpensearchSitesArgs {
  return {
    ...switchArgs(context),
    sites: { primary: endpoint(component.primary), secondary: endpoint(component.secondary) },
    username: component.username,
    password: component.password,
    minStatus: component.minStatus,
    ...(component.ca ? { ca: component.ca } : {}),
    canaryIndex: component.canaryIndex,
    snapshot: component.snapshot,
    waitMs: component.restoreTimeout,
  };
}

/** How titles name a site's cluster: an Amazon OpenSearch domain (signed) or a cluster. */
const clusterWord = (component: OpensearchSitesComponent) =>
  component.primary.aws ? 'Amazon OpenSearch domain (SigV4)' : 'cluster';

/** The repository as the preflight's title names it: with its S3 role when Amazon OpenSearch registers it. */
function repositoryWords(component: OpensearchSitesComponent): string {
  const s3 = component.primary.s3Repository;
  if (!s3) return `repository ${component.snapshot.repository} on both clusters`;
  return `S3 repository ${component.snapshot.repository} (role ${s3.roleArn.split('/').pop()}) on both domains`;
}

export const opensearchSitesRecipe: Recipe<OpensearchSitesComponent> = {
  tier: () => 'search',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to } = context;
    const a = args(component, context);
    const at = siteName(context, site);
    const long = component.restoreTimeout + 60_000;
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name}'s ${clusterWord(component)} on ${at} is ${component.minStatus} or better`,
            action: 'opensearchClusterHealth',
            args: a,
            timeoutMs: long,
          },
        ];
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${name}: ${repositoryWords(component)} and a recent snapshot in it`,
            action: 'opensearchSitesPreflight',
            args: a,
            timeoutMs: long,
          },
        ];
      case 'guard':
        return [
          {
            key: 'target-health',
            title: `Check ${name}'s ${clusterWord(component)} on ${siteName(context, to)} is ready to receive the restore`,
            action: 'opensearchClusterHealth',
            site: to,
            args: a,
            timeoutMs: long,
          },
        ];
      case 'stop': {
        const snapshot: StepDraft[] = SWITCH_PHASES.has(context.phase)
          ? [
              {
                key: 'snapshot',
                title: `Take ${name}'s final snapshot on ${at} now that the app stopped writing (canary and per-index counts inside)`,
                action: 'opensearchSiteSnapshot',
                site,
                args: a,
                timeoutMs: long,
              },
            ]
          : [];
        return [...snapshot, ...processStep('stop', `Stop ${name}'s cluster on ${at}`, component[site].stop, site)];
      }
      case 'reboot':
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
      case 'start':
        return processStep('start', `Start ${name}'s cluster on ${at}`, component[site].start, site);
      case 'activate':
        return [
          {
            key: 'restore',
            title: `Restore ${name} on ${at} from ${siteName(context, from)}'s final snapshot, replacing its stale copies`,
            action: 'opensearchRestore',
            args: a,
            destructive: true,
            timeoutMs: long,
          },
        ];
      case 'verify':
        return [
          {
            key: 'verify',
            title: `Verify ${name} on ${at} holds the snapshot's counts and the canary document`,
            action: 'opensearchRestoreVerify',
            args: a,
          },
        ];
      // Reprotect (site = the returned old site). Nothing to fence here: the app writes only where the
      // serving platform points, and the returned site's platform is held at 0 (the kubernetes fence).
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name}'s ${clusterWord(component)} on ${at} answers again (however long the step's timeout allows)`,
            action: 'opensearchAwaitReturn',
            args: a,
          },
        ];
      case 'reprotect':
        return [
          {
            key: 'snapshot',
            title: `Snapshot ${name} on ${siteName(context, to)}, the serving side (canary and per-index counts inside; the app still writes there)`,
            action: 'opensearchSiteSnapshot',
            site: to,
            args: { ...a, live: true },
            timeoutMs: long,
          },
          {
            key: 'restore',
            title: `Restore ${name} on ${at} from ${siteName(context, to)}'s snapshot, replacing the stale copies the lost site came back with`,
            action: 'opensearchRestore',
            args: { ...a, live: true },
            destructive: true,
            timeoutMs: long,
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'restored',
            title: `Check ${name} on ${at} holds ${siteName(context, to)}'s restored snapshot: its indices, counts and canary document`,
            action: 'opensearchRestoreVerify',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};

export const opensearchAnyRecipe: Recipe<OpensearchComponent | OpensearchSitesComponent> = {
  tier: () => 'search',
  steps(operation, component, context) {
    return component.topology === 'cluster-per-site'
      ? opensearchSitesRecipe.steps(operation, component, context)
      : opensearchRecipe.steps(operation, component, context);
  },
};
