/**
 * Readiness prechecks: every check that changes nothing, on both sites, as its own workflow
 * (precheck-<target>, beside a drill of the same target). Ready when all pass; otherwise each drift
 * is a sentence with its path in the plan. On a schedule, a run says whether the drifts changed
 * since the previous run (so people hear of a drift once, and when it clears).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { createPrecheckSchedule, runPrecheck } from '../src/prechecks';
import { deleteSchedule, precheckScheduleIdFor } from '../src/schedules';
import { DrillReadiness } from '../workflows/searchAttributes';
import { recordHistoryIfAsked } from './support/histories';
import { waitForPending } from './support/operators';
import { createStandinLab, ROOT, type StandinLab } from './support/standinLab';
import { address, startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { precheckWorkflowId, type PrecheckResult } from '../domain';

const run = promisify(execFile);

describe('readiness prechecks', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  const queue = uniqueQueue('precheck');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('precheck-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    await deleteSchedule(client, precheckScheduleIdFor(lab.target)).catch(() => undefined);
    await client.workflow
      .getHandle(`drill-${lab.target}`)
      .terminate('test cleanup')
      .catch(() => undefined);
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('is ready when every read-only check passes, and runs beside a drill of the same target', async () => {
    const drill = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, drill.workflowId, 'task');
    const result = await runPrecheck(client, queue, {
      target: lab.target,
      planYaml: lab.planYaml,
      requestedBy: 'test',
    });
    expect(result).toMatchObject({ target: lab.target, ready: true, drifts: [] });
    expect(result.checks).toBeGreaterThanOrEqual(2);
    await drill.terminate('precheck test done');
  });

  it('reports each drift with its plan path: a primary that does not answer, a program the plan runs that is missing', async () => {
    const broken = lab.planYaml.replace(/- node\n/, '- no-such-program-drillbook\n');
    expect(broken).not.toBe(lab.planYaml);
    lab.appctl('stop', 'primary');
    try {
      const result = await runPrecheck(client, queue, { target: lab.target, planYaml: broken });
      expect(result.ready).toBe(false);
      const paths = result.drifts.map((d) => d.path).sort();
      expect(paths).toEqual(expect.arrayContaining(['components.app']));
      expect(paths.some((p) => /^components\.app\.(primary|secondary)\.(start|stop)$/.test(p))).toBe(true);
      expect(result.drifts.find((d) => d.path === 'components.app')?.sentence).toMatch(
        /^components\.app \(primary\): Check app is healthy on lab-dc1: .*did not answer/,
      );
      expect(result.drifts.find((d) => d.path !== 'components.app')?.sentence).toMatch(/no-such-program-drillbook/);
      await recordHistoryIfAsked(client, precheckWorkflowId(lab.target), 'precheck-drifts');
    } finally {
      lab.appctl('start', 'primary');
    }
  });

  it('on a schedule: tells whether the drifts changed since the last run, and keeps readiness as a search attribute', async () => {
    await createPrecheckSchedule(client, {
      target: lab.target,
      taskQueue: queue,
      everyMs: 3_600_000,
      createdBy: 'test',
      planYaml: lab.planYaml,
    });
    const handle = client.schedule.getHandle(precheckScheduleIdFor(lab.target));
    const runOnce = async (seen: number): Promise<PrecheckResult> => {
      await handle.trigger();
      for (let i = 0; i < 150; i++) {
        const { info } = await handle.describe();
        if (info.recentActions.length > seen) {
          const id = info.recentActions[seen].action.workflow;
          return (await client.workflow.getHandle(id.workflowId, id.firstExecutionRunId).result()) as PrecheckResult;
        }
        // The schedule starts its run asynchronously after the trigger.
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('the scheduled precheck did not start');
    };
    lab.appctl('stop', 'primary');
    try {
      const first = await runOnce(0);
      expect(first).toMatchObject({ ready: false, changed: true });
      const second = await runOnce(1);
      expect(second).toMatchObject({ ready: false, changed: false });
    } finally {
      lab.appctl('start', 'primary');
    }
    const third = await runOnce(2);
    expect(third).toMatchObject({ ready: true, changed: true });
    const lastRun = (await handle.describe()).info.recentActions[2].action.workflow;
    const described = await client.workflow.getHandle(lastRun.workflowId, lastRun.firstExecutionRunId).describe();
    expect(described.typedSearchAttributes.get(DrillReadiness)).toBe('ready');
  });

  it('drillbook precheck exits 0 when ready and 1 with the drifts when not', async () => {
    const planFile = path.join(lab.dir, 'precheck-lab.yaml');
    writeFileSync(planFile, lab.planYaml);
    const env = { ...process.env, TEMPORAL_ADDRESS: address(), DRILLBOOK_TASK_QUEUE: queue };
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(ROOT, 'dist', 'src', 'cli.js'), ...args], { env }).catch(
        (error: { code: number; stdout: string }) => error,
      );
    expect(await cli('precheck', planFile)).toMatchObject({ stdout: expect.stringMatching(/^precheck-lab: ready/) });
    lab.appctl('stop', 'primary');
    try {
      const failed = await cli('precheck', planFile);
      expect(failed).toMatchObject({
        code: 1,
        stdout: expect.stringMatching(/NOT READY[\s\S]*components\.app \(primary\)/),
      });
    } finally {
      lab.appctl('start', 'primary');
    }
  });
});
