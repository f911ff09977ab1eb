/**
 * Upgrades that strand no drill. A drill waits at a gate on the previous release's build (its tag,
 * checked out and built with its own `npm run build`); that worker stops; the new build's worker
 * starts and, with no command typed, replays the drill's history, moves the drill to its build and
 * finishes it, the record saying "moved from build A to build B after a clean replay of N events".
 * A drill whose history the new build cannot replay stays pinned, and `status` and `deployment
 * describe` name the build it needs and the command that serves it.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { renderReport } from '../render/report';
import { servingOf } from '../src/temporal/placement';
import { makeCurrent } from '../src/temporal/versioning';
import { bundleBuildC } from './support/buildC/bundle';
import { builtRelease, previousRelease, versionOf } from './support/builtTrees';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForRecord } from './support/operators';
import { spawnWorker, type WorkerProcess } from './support/processes';
import { STANDIN_BOT_TOKEN, startSlackStandin } from './support/slackStandin';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { address, startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const run = promisify(execFile);

/** The release before this one: its workers are the ones an upgrade replaces. */
const PREVIOUS_RELEASE = process.env.DRILLBOOK_PREVIOUS_RELEASE ?? previousRelease(versionOf(ROOT).version);

/**
 * The new worker looks for stranded drills every 2 s instead of every minute, and counts a build as
 * gone 20 s after its last poll instead of 90 s (a live idle worker's long poll can look 60-70 s
 * old; the old worker here is really stopped), so the test waits seconds, not minutes.
 */
const ADOPTION_PACE = { DRILLBOOK_ADOPT_EVERY_S: '2', DRILLBOOK_POLLER_SILENCE_S: '20' };

/** Workers of built trees use their own bundle and build id, not the test run's. */
const OWN_BUILD = { DRILLBOOK_WORKFLOW_BUNDLE: undefined, DRILLBOOK_BUILD_ID: undefined };

/** Which worker identities completed the drill's workflow tasks, in order of first appearance. */
async function workflowTaskWorkers(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return [
    ...new Set(
      (history.events ?? [])
        .map((e) => e.workflowTaskCompletedEventAttributes?.identity)
        .filter((i): i is string => Boolean(i)),
    ),
  ];
}

describe('a new build adopts the drills it can replay', () => {
  let client: Client;
  let lab: StandinLab;
  /** A second target: one drill per target, and the first drill's may still be open when this test starts. */
  let strandedLab: StandinLab;
  const processes: WorkerProcess[] = [];
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    client = await testClient();
    lab = await createStandinLab('adopt-lab');
    lab.appctl('start', 'primary');
    strandedLab = await createStandinLab('stranded-lab');
    strandedLab.appctl('start', 'primary');
  });

  afterAll(async () => {
    for (const worker of processes) await worker.stop();
    for (const worker of workers) await worker.stop();
    lab?.stopAll();
    strandedLab?.stopAll();
    await client?.connection.close();
  });

  it(`a drill waiting on ${PREVIOUS_RELEASE}'s build finishes on the new build with no command typed`, async () => {
    const previous = builtRelease(PREVIOUS_RELEASE);
    const mine = versionOf(ROOT);
    const queue = uniqueQueue('adopt');
    const old = spawnWorker(queue, lab.dir, OWN_BUILD, previous);
    processes.push(old);
    // 0.4.0 gives up making itself current when the server's deployment workflow misses its deadline
    // (a busy machine; 0.5.0 and later ask again): an operator then promotes it, and so does the test, so that
    // the drill below starts on it rather than waiting for a current version that never comes.
    const oldReady = await old.ready();
    if (!/new drills start here/.test(oldReady)) {
      await makeCurrent(
        client,
        { deploymentName: queue, buildId: versionOf(previous).buildId },
        { identity: 'test-operator', waitMs: 60_000 },
      );
    }
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-pre-reboot',
    });
    const before = await servingOf(client, queue, workflowId);
    const oldBuild = before?.drill.pinnedTo as string;
    expect(oldBuild).toMatch(new RegExp(`^${PREVIOUS_RELEASE.replace(/\./g, '\\.')}-[0-9a-f]{12}$`));
    expect(oldBuild).not.toBe(mine.buildId);
    await old.stop();

    const fresh = spawnWorker(queue, lab.dir, { ...OWN_BUILD, ...ADOPTION_PACE });
    processes.push(fresh);
    const adopted = await waitForRecord(client, workflowId, (r) => (r.adoptions?.length ?? 0) > 0, 90_000);
    const [move] = adopted.adoptions ?? [];
    expect(move.summary).toMatch(
      new RegExp(`^moved from build ${oldBuild} to build ${mine.buildId} after a clean replay of \\d+ events$`),
    );
    expect(move.events).toBeGreaterThan(10);
    expect(adopted.pending?.id).toBe('approve-pre-reboot');
    expect(await fresh.line(/^adopted drill-adopt-lab moved from build/, 5000)).toContain(mine.buildId);
    const after = await servingOf(client, queue, workflowId);
    expect(after?.drill).toMatchObject({ pinnedTo: mine.buildId, overridden: true });

    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    expect(done.adoptions).toHaveLength(1);
    expect(renderReport(done).md).toContain(move.summary); // the evidence report says on which code the drill went on
    await client.workflow.getHandle(workflowId).result();
    // The old release's worker ran the drill up to the gate, the new one from there to the end.
    const identities = await workflowTaskWorkers(client, workflowId);
    expect(identities[0]).toBe(`${old.child.pid}@${os.hostname()}`);
    expect(identities.at(-1)).toBe(`${fresh.child.pid}@${os.hostname()}`);
    await recordHistoryIfAsked(client, workflowId, 'adopted-drill');
    await fresh.stop();
  }, 600_000); // builds the previous release (about 90 s on two busy cores), then waits out the old build's silence

  it('a drill whose history does not replay on the new build stays pinned, and status and describe name the build it needs', async () => {
    const mine = versionOf(ROOT);
    const queue = uniqueQueue('stranded');
    const buildC = `build-c-${queue.slice(-8)}`;
    const c = await startTestWorker(
      queue,
      {},
      { buildId: buildC, identity: 'worker-c', workflowBundleCode: await bundleBuildC() },
    );
    // The drill's approvers look in its Slack channel (a stand-in of Slack's API: it proves the worker
    // posts there, not how Slack shows it); build C's in-process worker has no Slack client of its own.
    const slack = await startSlackStandin();
    const planYaml = `${strandedLab.planYaml}\nnotifications:\n  slack: { channel: C0DRILLS }\n`;
    const { workflowId } = await startDrill(client, queue, {
      target: strandedLab.target,
      requestedBy: 'oncall',
      planYaml,
    });
    await driveDrill(client, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-pre-reboot',
    });
    await c.stop();

    const fresh = spawnWorker(queue, strandedLab.dir, {
      ...OWN_BUILD,
      ...ADOPTION_PACE,
      SLACK_BOT_TOKEN: STANDIN_BOT_TOKEN,
      SLACK_API_URL: slack.url,
    });
    processes.push(fresh);
    const stays = await fresh.line(
      new RegExp(
        `^${workflowId} stays pinned to build ${buildC}, which no worker has polled for 20 s: its history does not replay`,
      ),
      90_000,
    );
    expect(stays).toContain(`\`drillbook worker --build ${buildC}\` serves it`);
    const told = await slack.waitFor(
      'chat.postMessage',
      (call) => String(call.params.text).includes(`${workflowId} stays pinned to build ${buildC}`),
      30_000,
    );
    expect(told.params.channel).toBe('C0DRILLS');
    expect(String(told.params.text)).toContain(`\`drillbook worker --build ${buildC}\` serves it`);
    await slack.close();
    expect((await servingOf(client, queue, workflowId))?.drill).toMatchObject({ pinnedTo: buildC, overridden: false });

    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: address(),
      DRILLBOOK_TASK_QUEUE: queue,
      DRILLBOOK_DEPLOYMENT: queue,
      DRILLBOOK_POLLER_SILENCE_S: '20',
    };
    const cli = path.join(ROOT, 'dist', 'src', 'cli.js');
    const status = await run(process.execPath, [cli, 'status', workflowId, '--once'], { env }).catch(
      (error: { stdout: string; stderr: string; code: number }) => error,
    );
    const said = `${status.stdout}${status.stderr}`;
    expect(said).toContain(`pinned to build ${buildC}, which no worker has polled for 20 s`);
    expect(said).toContain(`its history does not replay on build ${mine.buildId}`);
    expect(said).not.toMatch(/it goes on when a worker is back/);
    expect(said).toContain(`\`drillbook worker --build ${buildC}\` serves it`);

    const described = (await run(process.execPath, [cli, 'deployment', 'describe'], { env })).stdout;
    expect(described).toMatch(new RegExp(`^${buildC}  STRANDED`, 'm'));
    expect(described).toContain(`open drills: ${workflowId}`);
    expect(described).toContain(`\`drillbook worker --build ${buildC}\` serves it`);
    expect(described).not.toMatch(new RegExp(`^${buildC}  drained`, 'm'));

    // Build C back (what `drillbook worker --build` does for a kept build): the drill goes on where it was.
    workers.push(
      await startTestWorker(
        queue,
        {},
        { buildId: buildC, identity: 'worker-c-again', workflowBundleCode: await bundleBuildC(), promote: false },
      ),
    );
    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    expect(done.adoptions).toBeUndefined();
    await fresh.stop();
  }, 300_000);
});
