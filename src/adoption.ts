/**
 * A new build adopts waiting drills it can replay. A drill is pinned to the build it started on; when
 * no worker of that build polls any more (its machine was upgraded in place, say), the drill would
 * wait for ever. A worker of a newer build finds such drills on its task queue, replays each one's
 * history with its own workflow bundle and, when the replay is clean, pins the drill to its own build
 * (a versioning override) and tells the drill, whose record then says "moved from build A to build B
 * after a clean replay of N events". A drill whose history does not replay stays where it is, and the
 * worker says which build it needs and the command that serves it, in its log and in the drill's Slack channel.
 */
import type { Client } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { WebClient } from '@slack/web-api';
import { adoptedSignal, adoptionSentence } from '../workflows/adoption';
import { planSlackChannel, tellStranded } from './strandedNotice';
import { openWorkflows, servedBuilds, workflowPollers, type OpenDrill } from './temporal/placement';
import { describeDeployment } from './temporal/versioning';

export interface Adopter {
  taskQueue: string;
  version: WorkerDeploymentVersion;
  /** This build's workflow bundle, the code a drill must replay on to be adopted. */
  bundlePath: string;
  identity: string;
  /** A build counts as served while one of its workers polled within this long (src/temporal/placement.ts). */
  silenceMs: number;
}

export type AdoptionOutcome =
  | { kind: 'adopted'; drill: OpenDrill; from: string; events: number; sentence: string }
  | { kind: 'stays'; drill: OpenDrill; from: string; reason: string; sentence: string; slackChannel?: string };

/** The one command that serves drills pinned to `buildId` (src/commands/runtime.ts). */
export const serveCommand = (buildId: string): string => `drillbook worker --build ${buildId}`;

export const staysSentence = (
  workflowId: string,
  from: string,
  to: string,
  reason: string,
  silenceMs: number,
): string =>
  `${workflowId} stays pinned to build ${from}, which no worker has polled for ${Math.round(silenceMs / 1000)} s: its history does not replay on build ${to} (${reason}); \`${serveCommand(from)}\` serves it`;

/**
 * One pass over the adopter's task queue. `tried` remembers histories that did not replay (by run
 * and length) so a periodic pass neither replays nor reports them again until something happens.
 */
export async function adoptStranded(
  client: Client,
  adopter: Adopter,
  tried = new Set<string>(),
): Promise<AdoptionOutcome[]> {
  const mine = adopter.version;
  const served = servedBuilds(await workflowPollers(client, adopter.taskQueue), adopter.silenceMs);
  served.add(mine.buildId);
  const newer = await newerBuilds(client, mine);
  const stranded = (await openWorkflows(client, adopter.taskQueue)).filter(
    (d) =>
      d.pinnedTo &&
      !served.has(d.pinnedTo) &&
      !newer.has(d.pinnedTo) &&
      (d.deploymentName ?? mine.deploymentName) === mine.deploymentName,
  );
  const outcomes: AdoptionOutcome[] = [];
  for (const drill of stranded) {
    const from = drill.pinnedTo as string;
    const handle = client.workflow.getHandle(drill.workflowId, drill.runId);
    const history = await handle.fetchHistory();
    // A history that did not replay is not replayed (nor reported) again until it grows.
    const key = `${drill.runId}@${history.events?.length ?? 0}`;
    if (tried.has(key)) continue;
    const replay = await replayOn(client, drill, adopter.bundlePath, history);
    if (!replay.clean) {
      tried.add(key);
      outcomes.push({
        kind: 'stays',
        drill,
        from,
        reason: replay.reason,
        sentence: staysSentence(drill.workflowId, from, mine.buildId, replay.reason, adopter.silenceMs),
        slackChannel: planSlackChannel(history),
      });
      continue;
    }
    const { events } = replay;
    await client.workflowService.updateWorkflowExecutionOptions({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: drill.workflowId, runId: drill.runId },
      workflowExecutionOptions: {
        versioningOverride: {
          pinned: {
            behavior:
              temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED,
            version: mine,
          },
        },
      },
      updateMask: { paths: ['versioning_override'] },
      identity: adopter.identity,
    });
    // Scheduled-drill and precheck workflows move too; only a drill keeps a record to tell.
    if (drill.type === 'drillWorkflow')
      await handle.signal(adoptedSignal, { from, to: mine.buildId, events, by: adopter.identity });
    outcomes.push({
      kind: 'adopted',
      drill,
      from,
      events,
      sentence: `${drill.workflowId} ${adoptionSentence({ from, to: mine.buildId, events })}`,
    });
  }
  return outcomes;
}

export type Replay = { clean: true; events: number } | { clean: false; events: number; reason: string };

/** Whether a drill's history, as it is now, replays on the given workflow bundle without a determinism error. */
export async function replayOn(
  client: Client,
  drill: Pick<OpenDrill, 'workflowId' | 'runId'>,
  bundlePath: string,
  fetched?: temporal.api.history.v1.IHistory,
): Promise<Replay> {
  const history = fetched ?? (await client.workflow.getHandle(drill.workflowId, drill.runId).fetchHistory());
  const events = history.events?.length ?? 0;
  try {
    // The drill's own sink is a no-op here: only the replay's verdict matters.
    await Worker.runReplayHistory(
      { workflowBundle: { codePath: bundlePath }, sinks: { drillbook: { recorded: { fn: () => undefined } } } },
      history,
      drill.workflowId,
    );
    return { clean: true, events };
  } catch (error) {
    return { clean: false, events, reason: replayFailure(error as Error) };
  }
}

/** The SDK's own words on why a replay failed ("[TMPRL1100] Nondeterminism error: …"), without its wrapping. */
function replayFailure(error: Error): string {
  const coded = /\[TMPRL\d+\][^"]*/.exec(error.message);
  const reason = coded ? coded[0] : error.message.split('\n')[0];
  return reason.length > 240 ? `${reason.slice(0, 239)}…` : reason;
}

/**
 * Builds the deployment first saw after this one. An older build brought back (a rollback) serves
 * its own drills and new ones, but never takes a newer build's drills: their history may hold
 * patches it does not know, and the newer build is one `drillbook worker --build <id>` away.
 */
async function newerBuilds(client: Client, mine: WorkerDeploymentVersion): Promise<Set<string>> {
  const state = await describeDeployment(client, mine.deploymentName);
  const firstSeen = (id: string) => state?.versions.find((v) => v.buildId === id)?.createdAt?.getTime();
  const myTime = firstSeen(mine.buildId) ?? Date.now();
  return new Set((state?.versions ?? []).filter((v) => (firstSeen(v.buildId) ?? 0) > myTime).map((v) => v.buildId));
}

/**
 * Adopts at once and then every `everyMs` (a bounded pass: one task queue's open drills) until
 * stopped; each outcome is logged once. Returns the stop function.
 */
export function keepAdopting(
  client: Client,
  adopter: Adopter,
  options: { everyMs: number; log: (line: string) => void; slack?: WebClient },
): () => Promise<void> {
  const tried = new Set<string>();
  let stopped = false;
  let running = false;
  let pass: Promise<void> = Promise.resolve();
  const once = async () => {
    try {
      for (const outcome of await adoptStranded(client, adopter, tried)) {
        options.log(outcome.kind === 'adopted' ? `adopted ${outcome.sentence}` : outcome.sentence);
        // Said once per history length, as the log line is: the drill's approvers see it where they answer.
        if (outcome.kind === 'stays' && outcome.slackChannel && options.slack)
          await tellStranded(options.slack, outcome.slackChannel, outcome.sentence, options.log);
      }
    } catch (error) {
      // The next pass tries again; a worker keeps serving its own drills whatever adoption meets.
      options.log(`could not look for drills to adopt: ${(error as Error).message.split('\n')[0]}`);
    }
  };
  const tick = () => {
    if (stopped || running) return; // a slow pass is never overlapped by the next
    running = true;
    pass = once().finally(() => (running = false));
  };
  tick();
  const timer = setInterval(tick, options.everyMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pass;
  };
}

/** How often a worker looks for stranded drills (DRILLBOOK_ADOPT_EVERY_S, default a minute; 0 turns adoption off). */
export const adoptEveryMs = (env: NodeJS.ProcessEnv = process.env): number =>
  Number(env.DRILLBOOK_ADOPT_EVERY_S ?? 60) * 1000;
