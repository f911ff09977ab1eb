/** A step that still fails after its retries waits for an operator: retry, skip and abort each do what they say. */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { decide, reject, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForPending, waitForRecord } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

describe('operator decisions on a failed step', () => {
  let client: Client;
  let worker: RunningWorker;
  const labs: StandinLab[] = [];
  const queue = uniqueQueue('decisions');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    for (const lab of labs) lab.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  /** A lab whose plan has a step that fails until a file named `ok` exists in the lab's folder. */
  async function labWithFlakyStep(target: string, phase: string, segment: string): Promise<StandinLab> {
    let flagDir = '';
    const lab = await createStandinLab(target, (plan) => {
      plan.defaults.retry = {
        maximumAttempts: 2,
        initialInterval: '100ms',
        backoffCoefficient: 1,
        maximumInterval: '100ms',
      };
      flagDir = plan.components.app.primary.stop.command.at(-1);
      plan.steps.push({
        id: 'flaky',
        phase,
        segment,
        title: 'Check the flag file exists',
        command: {
          argv: ['sh', '-c', `test -f ${path.join(flagDir, 'ok')} || { echo "no ok file yet" >&2; exit 3; }`],
        },
      });
    });
    expect(flagDir).toBe(lab.dir);
    labs.push(lab);
    lab.appctl('start', 'primary');
    return lab;
  }

  it('retry runs the step again and the drill goes on', async () => {
    const lab = await labWithFlakyStep('retry-lab', 'preparation', 'health');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    const waiting = await waitForPending(client, workflowId, 'decision', 'preparation.flaky');
    const failed = waiting.steps.find((s) => s.id === 'preparation.flaky');
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, runs: 1 });
    expect(failed?.error).toContain('exited 3: no ok file yet');
    expect(waiting.pending?.prompt).toMatch(/failed after 2 attempt\(s\).*Retry, skip \(with a reason\) or abort/);

    writeFileSync(path.join(lab.dir, 'ok'), 'fixed');
    await decide(client, workflowId, { by: 'oncall', decision: 'retry' });
    const after = await waitForPending(client, workflowId, 'task');
    expect(after.steps.find((s) => s.id === 'preparation.flaky')).toMatchObject({
      status: 'succeeded',
      runs: 2,
      attempts: 1,
    });
    expect(after.decisions).toEqual([
      expect.objectContaining({ stepId: 'preparation.flaky', decision: 'retry', by: 'oncall' }),
    ]);
    await reject(client, workflowId, { by: 'carol' }).catch(() => undefined);
    await client.workflow.getHandle(workflowId).cancel();
    await recordHistoryIfAsked(client, workflowId, 'retried-step');
  });

  it('skip needs a reason, is recorded with it, and the drill goes on', async () => {
    const lab = await labWithFlakyStep('skip-lab', 'preparation', 'health');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, workflowId, 'decision', 'preparation.flaky');

    await expect(decide(client, workflowId, { by: 'oncall', decision: 'skip' })).rejects.toThrow(
      /skipping a step needs a reason/,
    );
    await expect(decide(client, workflowId, { by: 'eve', decision: 'skip', reason: 'x' })).rejects.toThrow(
      /eve is not an operator/,
    );
    await decide(client, workflowId, {
      by: 'bob',
      decision: 'skip',
      reason: 'flag file check is known broken, INC-42',
    });
    const after = await waitForPending(client, workflowId, 'task');
    expect(after.steps.find((s) => s.id === 'preparation.flaky')).toMatchObject({
      status: 'skipped',
      summary: 'Skipped by bob: flag file check is known broken, INC-42',
    });
    await client.workflow.getHandle(workflowId).cancel();
    await recordHistoryIfAsked(client, workflowId, 'skipped-step');
  });

  it('abort ends the drill as aborted and runs nothing after the step', async () => {
    const lab = await labWithFlakyStep('abort-lab', 'preparation', 'health');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, workflowId, 'decision', 'preparation.flaky');
    await decide(client, workflowId, { by: 'oncall', decision: 'abort', reason: 'stop here' });
    const record = await waitForRecord(client, workflowId, (r) => r.status === 'aborted');
    expect(record.outcome).toBe('oncall aborted the drill at step preparation.flaky.');
    const after = record.steps.slice(record.steps.findIndex((s) => s.id === 'preparation.flaky') + 1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.runs === 0)).toBe(true);
  });

  it('abort after the failover switched offers the way back, which runs only once approved', async () => {
    const lab = await labWithFlakyStep('way-back-lab', 'failover-check', 'verify');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(await lab.health('secondary')).toBe(200);
    expect(await lab.health('primary')).toBe('down');

    await decide(client, workflowId, { by: 'oncall', decision: 'abort', reason: 'data check failed' });
    const offered = await waitForPending(client, workflowId, 'approval', 'rollback');
    expect(offered.pending?.prompt).toMatch(/fail back to lab-dc1/);
    // Nothing moved before the approval.
    expect(await lab.health('secondary')).toBe(200);

    const record = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    await recordHistoryIfAsked(client, workflowId, 'aborted-failover-way-back');
    expect(record.status).toBe('aborted');
    expect(record.outcome).toMatch(/approved the way back and service is on lab-dc1 again/);
    expect(record.steps.find((s) => s.id === 'failback.app.start.primary')?.status).toBe('succeeded');
    expect(await lab.health('primary')).toBe(200);
    expect(await lab.health('secondary')).toBe('down');
    expect(existsSync(path.join(lab.dir, 'ok'))).toBe(false);
  });
});
