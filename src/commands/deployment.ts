/** `drillbook deployment describe|promote`: which worker build takes new drills, and which still finish their own. */
import type { Command } from 'commander';
import { withClient } from '../temporal/connect';
import { DEFAULT_DEPLOYMENT, describeDeployment, makeCurrent } from '../temporal/versioning';
import { UsageError } from './errors';

const deploymentName = (): string => process.env.DRILLBOOK_DEPLOYMENT ?? DEFAULT_DEPLOYMENT;

export function registerDeploymentCommands(program: Command): void {
  const deployment = program.command('deployment').description('worker builds (Worker Deployment versions): which one takes new drills');

  deployment
    .command('describe')
    .description('the current build and every build with its drainage (draining: drills still pinned to it; drained: none left, safe to stop)')
    .action(async () => {
      await withClient(async (client) => {
        const name = deploymentName();
        const state = await describeDeployment(client, name);
        if (!state) throw new UsageError(`no worker of deployment "${name}" has polled yet: start \`drillbook worker\` first`);
        console.log(`deployment ${name}: current ${state.current ?? '(none: new drills wait)'}${state.ramping ? `, ramping ${state.ramping}` : ''}`);
        for (const v of state.versions) {
          const role = v.buildId === state.current ? 'current: new drills start here' : (v.drainage ?? 'inactive');
          console.log(`  ${v.buildId}  ${role}${v.createdAt ? `  (first seen ${v.createdAt.toISOString()})` : ''}`);
        }
      });
    });

  deployment
    .command('promote')
    .description('make a build current: new drills start on it; drills pinned to other builds finish where they started')
    .argument('<buildId>', 'the build id a `drillbook worker` printed at start')
    .option('--by <name>', 'who promotes it (kept by Temporal as the identity)', process.env.USER ?? 'drillbook')
    .action(async (buildId: string, options: { by: string }) => {
      await withClient(async (client) => {
        await makeCurrent(client, { deploymentName: deploymentName(), buildId }, { identity: options.by, waitMs: 5000 });
        console.log(`${deploymentName()}/${buildId} is current: new drills start on it`);
      });
    });
}
