/** `drillbook deployment describe|promote`: which worker build takes new drills, and which still finish their own. */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { replayOn, serveCommand } from '../adoption';
import { temporalSettings, workflowBundlePath } from '../../store/config';
import { currentBuild } from '../temporal/buildId';
import { withClient } from '../temporal/connect';
import { quietReplays } from '../temporal/quietReplays';
import { openWorkflows, pollerSilenceMs, workflowPollers, type OpenDrill, type Poller } from '../temporal/placement';
import { DEFAULT_DEPLOYMENT, describeDeployment, makeCurrent, type DeploymentState } from '../temporal/versioning';
import { UsageError } from './errors';
import type { Client } from '@temporalio/client';

const deploymentName = (): string => process.env.DRILLBOOK_DEPLOYMENT ?? DEFAULT_DEPLOYMENT;

export function registerDeploymentCommands(program: Command): void {
  const deployment = program
    .command('deployment')
    .description('worker builds (Worker Deployment versions): which one takes new drills');

  deployment
    .command('describe')
    .description(
      'every build with its open drills, its pollers and its state (drained only when no open drill is pinned to it)',
    )
    .action(async () => {
      quietReplays();
      await withClient(async (client) => {
        const name = deploymentName();
        const { taskQueue } = temporalSettings();
        const [state, drills, pollers] = await Promise.all([
          asking(`the deployment ${name}`, describeDeployment(client, name)),
          asking(`the open workflows of task queue ${taskQueue}`, openWorkflows(client, taskQueue)),
          asking(`the pollers of task queue ${taskQueue}`, workflowPollers(client, taskQueue)),
        ]);
        if (!state && drills.length === 0)
          throw new UsageError(`no worker of deployment "${name}" has polled yet: start \`drillbook worker\` first`);
        for (const line of await describeBuilds(
          client,
          name,
          state,
          drills.filter((d) => (d.deploymentName ?? name) === name),
          pollers.filter((p) => p.deploymentName === name),
        ))
          console.log(line);
      });
    });

  deployment
    .command('promote')
    .description(
      'make a build current: new drills start on it; drills pinned to other builds finish where they started',
    )
    .argument('<buildId>', 'the build id a `drillbook worker` printed at start')
    .option('--by <name>', 'who promotes it (kept by Temporal as the identity)', process.env.USER ?? 'drillbook')
    .action(async (buildId: string, options: { by: string }) => {
      await withClient(async (client) => {
        await makeCurrent(
          client,
          { deploymentName: deploymentName(), buildId },
          { identity: options.by, waitMs: 5000 },
        );
        console.log(`${deploymentName()}/${buildId} is current: new drills start on it`);
      });
    });
}

/** Says which question the server did not answer. */
const asking = <T>(what: string, answer: Promise<T>): Promise<T> =>
  answer.catch((error: Error) =>
    Promise.reject(new Error(`asking Temporal for ${what}: ${error.message}`, { cause: error })),
  );

const ago = (date: Date | undefined): string =>
  date ? `${Math.max(0, Math.round((Date.now() - date.getTime()) / 1000))} s ago` : 'never';

/** One block per build: its state, its pollers, its open drills (and, for a build nobody serves, what its drills need). */
async function describeBuilds(
  client: Client,
  name: string,
  state: DeploymentState | undefined,
  drills: OpenDrill[],
  pollers: Poller[],
): Promise<string[]> {
  const silenceMs = pollerSilenceMs();
  const ids = [
    ...new Set(
      [
        ...(state?.versions ?? []).map((v) => v.buildId),
        ...drills.map((d) => d.pinnedTo),
        ...pollers.map((p) => p.buildId),
      ].filter((id): id is string => Boolean(id)),
    ),
  ];
  const here = currentBuild().buildId;
  const bundle = workflowBundlePath();
  const lines = [
    `deployment ${name}: current ${state?.current ?? '(none: new drills wait)'}${state?.ramping ? `, ramping ${state.ramping}` : ''}; this CLI is build ${here}`,
  ];
  for (const id of ids) {
    const pinned = drills.filter((d) => d.pinnedTo === id);
    const polling = pollers.filter(
      (p) => p.buildId === id && p.lastAccess && Date.now() - p.lastAccess.getTime() <= silenceMs,
    );
    const seen = state?.versions.find((v) => v.buildId === id);
    const role =
      id === state?.current
        ? 'current: new drills start here'
        : id === state?.ramping
          ? 'ramping'
          : pinned.length === 0
            ? 'drained: no open drill is pinned to it; its workers can stop'
            : polling.length
              ? 'draining: its workers finish the drills pinned to it'
              : `STRANDED: drills pinned to it and no worker of it polled for ${Math.round(silenceMs / 1000)} s`;
    lines.push('', `${id}  ${role}${seen?.createdAt ? `  (first seen ${seen.createdAt.toISOString()})` : ''}`);
    const all = pollers.filter((p) => p.buildId === id);
    lines.push(
      `  pollers: ${all.length ? all.map((p) => `${p.identity} (last poll ${ago(p.lastAccess)}${polling.includes(p) ? '' : ', gone'})`).join(', ') : 'none'}`,
    );
    lines.push(
      `  open drills: ${pinned.length ? pinned.map((d) => `${d.workflowId}${d.overridden ? ' (moved here)' : ''}`).join(', ') : 'none'}`,
    );
    if (pinned.length && polling.length === 0 && id !== here) {
      for (const drill of pinned) {
        const replay = existsSync(bundle) ? await replayOn(client, drill, bundle).catch(() => undefined) : undefined;
        const next = replay?.clean
          ? `replays on build ${here} (${replay.events} events): a worker of ${here} adopts it within a minute`
          : `${replay ? `does not replay on build ${here} (${replay.reason}); ` : ''}it needs build ${id}: \`${serveCommand(id)}\` serves it`;
        lines.push(`    ${drill.workflowId} ${next}`);
      }
    }
  }
  return lines;
}
