/**
 * What the cluster's dynamic config must enable, as on the dev server (issue 22): a schedule fires a
 * drill by itself (the internal worker's scheduler), and Worker Deployment versioning pins a drill to
 * its build, which a newer build adopts after a clean replay once the old build is gone (as
 * test/adoption.test.ts does on the dev server; here build A is this tree's own code under another
 * build id, so its history replays). The stand-in app's lab plan (lab/, not a real TIP).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../../src/drills';
import { scheduleIdFor } from '../../src/schedules';
import type { Cluster } from '../../src/temporal/cluster';
import { servingOf } from '../../src/temporal/placement';
import { versionOf } from '../support/builtTrees';
import { startTestCluster } from '../support/cluster';
import { driveDrill, waitForRecord } from '../support/operators';
import { spawnWorker, type WorkerProcess } from '../support/processes';
import { createStandinLab, ROOT, type StandinLab } from '../support/standinLab';
import { quietRuntime, startTestWorker, testClient, uniqueQueue, type RunningWorker } from '../support/temporal';

const run = promisify(execFile);

/** As test/adoption.test.ts: look for stranded drills every 2 s, count a build gone after 20 s without a poll. */
const ADOPTION_PACE = { DRILLBOOK_ADOPT_EVERY_S: '2', DRILLBOOK_POLLER_SILENCE_S: '20' };
/** The spawned worker runs dist/ with its own bundle and build id, not the test run's. */
const OWN_BUILD = { DRILLBOOK_WORKFLOW_BUNDLE: undefined, DRILLBOOK_BUILD_ID: undefined };

describe('on the Temporal cluster, as on the dev server', () => {
  let cluster: Cluster | undefined;
  let client: Client;
  const labs: StandinLab[] = [];
  const processes: WorkerProcess[] = [];
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    quietRuntime();
    cluster = await startTestCluster('versions');
    client = await testClient();
  }, 240_000);

  afterAll(async () => {
    for (const worker of processes) await worker.stop();
    for (const worker of workers) await worker.stop();
    for (const lab of labs) lab.stopAll();
    await client?.connection.close();
    await cluster?.stop();
  }, 120_000);

  it('a scheduled drill fires by itself and waits at its first gate', async () => {
    const queue = uniqueQueue('cluster-schedule');
    workers.push(await startTestWorker(queue));
    const lab = await createStandinLab('cluster-schedule-lab');
    labs.push(lab);
    lab.appctl('start', 'primary');
    const planFile = path.join(lab.dir, 'cluster-schedule-lab.yaml');
    writeFileSync(planFile, lab.planYaml);
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], {
        env: { ...process.env, DRILLBOOK_TASK_QUEUE: queue },
      });
    // Every minute: the next whole minute fires it, no trigger typed.
    const created = await cli(
      'schedule',
      'create',
      planFile,
      '--by',
      'dana',
      '--timezone',
      'UTC',
      '--cron',
      '* * * * *',
    );
    expect(created.stdout).toMatch(/^drill-schedule-cluster-schedule-lab\n/);
    try {
      const drill = await waitForRecord(client, 'drill-cluster-schedule-lab', (r) => r.pending !== null, 100_000);
      expect(drill).toMatchObject({
        requestedBy: `schedule:${scheduleIdFor('cluster-schedule-lab')}`,
        status: 'awaiting-task',
        pending: { kind: 'task', id: 'preparation.confirm-backups' },
      });
    } finally {
      await cli('schedule', 'delete', 'cluster-schedule-lab').catch(() => undefined);
      await client.workflow
        .getHandle('drill-cluster-schedule-lab')
        .terminate('test cleanup')
        .catch(() => undefined);
    }
  }, 180_000);

  it('a drill pinned to build A, waiting at a gate, is adopted by the next build once A is gone, and finishes there', async () => {
    const mine = versionOf(ROOT);
    const queue = uniqueQueue('cluster-adopt');
    const buildA = `build-a-${queue.slice(-8)}`;
    const lab = await createStandinLab('cluster-adopt-lab');
    labs.push(lab);
    lab.appctl('start', 'primary');
    const a = await startTestWorker(queue, {}, { buildId: buildA, identity: 'worker-a' });
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
    expect((await servingOf(client, queue, workflowId))?.drill).toMatchObject({ pinnedTo: buildA, overridden: false });
    await a.stop();

    const fresh = spawnWorker(queue, lab.dir, { ...OWN_BUILD, ...ADOPTION_PACE });
    processes.push(fresh);
    const adopted = await waitForRecord(client, workflowId, (r) => (r.adoptions?.length ?? 0) > 0, 120_000);
    const [move] = adopted.adoptions ?? [];
    expect(move.summary).toMatch(
      new RegExp(`^moved from build ${buildA} to build ${mine.buildId} after a clean replay of \\d+ events$`),
    );
    expect(adopted.pending?.id).toBe('approve-pre-reboot');
    expect((await servingOf(client, queue, workflowId))?.drill).toMatchObject({
      pinnedTo: mine.buildId,
      overridden: true,
    });
    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    expect(done.adoptions).toHaveLength(1);
  }, 300_000);
});
