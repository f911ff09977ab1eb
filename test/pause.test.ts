/**
 * Pause and resume: a paused drill finishes the step in flight, holds before the next one, and goes
 * on when resumed; who paused, why, and who resumed are in the record; a pause nobody may ask is
 * refused and kept as a refusal.
 */
import path from 'node:path';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { pause, resume, startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForRecord } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

const lines = (file: string): string[] => {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('pausing a drill', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  const queue = uniqueQueue('pause');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('pause-lab', (plan) => {
      const dir = plan.components.app.primary.stop.command.at(-1);
      plan.steps.push(
        {
          id: 'slow',
          phase: 'preparation',
          segment: 'health',
          title: 'A step that takes 3 s',
          command: ['sh', '-c', `echo start >> ${dir}/slow.log; sleep 3; echo end >> ${dir}/slow.log`],
        },
        {
          id: 'after-slow',
          phase: 'preparation',
          segment: 'health',
          title: 'The step after it',
          command: ['sh', '-c', `echo ran >> ${dir}/after.log`],
        },
      );
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('finishes the step in flight, holds before the next, and goes on when resumed', async () => {
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForRecord(
      client,
      workflowId,
      (r) => r.steps.find((s) => s.id === 'preparation.slow')?.status === 'running',
    );

    await expect(pause(client, workflowId, { by: 'oncall' })).rejects.toThrow(/pausing a drill needs a reason/);
    await expect(pause(client, workflowId, { by: 'mallory', reason: 'x' })).rejects.toThrow(
      /mallory is not an operator or approver/,
    );
    const answer = await pause(client, workflowId, { by: 'oncall', reason: 'database team asked to wait' });
    expect(answer.message).toMatch(/oncall paused the drill/);
    await expect(
      resume(client, workflowId, { by: 'bob' }).then(() => pause(client, workflowId, { by: 'bob', reason: 'again' })),
    ).resolves.toBeDefined();

    const held = await waitForRecord(client, workflowId, (r) => r.status === 'paused');
    expect(held.steps.find((s) => s.id === 'preparation.slow')?.status).toBe('succeeded');
    expect(held.steps.find((s) => s.id === 'preparation.after-slow')?.status).toBe('pending');
    expect(lines(path.join(lab.dir, 'slow.log'))).toEqual(['start', 'end']);
    expect(lines(path.join(lab.dir, 'after.log'))).toEqual([]);
    expect(held.pending).toMatchObject({
      kind: 'pause',
      prompt: expect.stringContaining('bob paused the drill: again'),
    });

    await resume(client, workflowId, { by: 'alice', reason: 'database team is done' });
    const after = await waitForRecord(
      client,
      workflowId,
      (r) => r.steps.find((s) => s.id === 'preparation.after-slow')?.status === 'succeeded',
    );
    expect(after.pauses).toEqual([
      expect.objectContaining({
        by: 'oncall',
        reason: 'database team asked to wait',
        cause: 'operator',
        resumedBy: 'bob',
      }),
      expect.objectContaining({
        by: 'bob',
        reason: 'again',
        cause: 'operator',
        resumedBy: 'alice',
        resumeReason: 'database team is done',
        heldAt: expect.any(String),
      }),
    ]);
    expect(after.refusals).toEqual([
      expect.objectContaining({
        by: 'oncall',
        action: 'pause',
        reason: expect.stringMatching(/needs a reason/),
        via: 'cli',
      }),
      expect.objectContaining({ by: 'mallory', action: 'pause', via: 'cli' }),
    ]);
    expect(after.waits?.some((w) => w.kind === 'pause' && w.result === 'resumed' && w.by === 'alice')).toBe(true);

    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    await recordHistoryIfAsked(client, workflowId, 'paused-and-resumed');
  });
});

describe('stop conditions', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  const queue = uniqueQueue('stop-condition');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('stop-condition-lab', (plan) => {
      const dir = plan.components.app.primary.stop.command.at(-1);
      plan.stopConditions = [
        {
          id: 'no-alarm',
          title: 'The serving site raises no alarm',
          command: ['sh', '-c', `if [ -f ${dir}/alarm ]; then cat ${dir}/alarm; exit 1; fi`],
        },
      ];
    });
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('a failing stop condition pauses the failover before its next destructive step, with its output; resumed, it goes on', async () => {
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      stopAt: 'approve-failover',
    });
    writeFileSync(path.join(lab.dir, 'alarm'), 'error rate 37% on lab-dc1');
    await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall', stopAt: 'pause' });

    const held = await waitForRecord(client, workflowId, (r) => r.status === 'paused');
    expect(held.pending).toMatchObject({
      kind: 'pause',
      prompt: expect.stringContaining('Stop condition no-alarm failed'),
    });
    expect(held.pending?.prompt).toContain('error rate 37% on lab-dc1');
    expect(held.pauses?.at(-1)).toMatchObject({ cause: 'stop-condition', by: 'stop-condition:no-alarm' });
    expect(held.stopConditions).toEqual([expect.objectContaining({ id: 'no-alarm', ok: false })]);
    expect(held.steps.filter((s) => s.phase === 'failover' && s.destructive).every((s) => s.status === 'pending')).toBe(
      true,
    );
    expect(await lab.health('primary')).toBe(200);

    unlinkSync(path.join(lab.dir, 'alarm'));
    await resume(client, workflowId, { by: 'oncall', reason: 'alarm cleared by the SOC' });
    const done = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    expect(done.status).toBe('succeeded');
    expect(done.stopConditions).toEqual([expect.objectContaining({ ok: true })]);
    await recordHistoryIfAsked(client, workflowId, 'stop-condition-paused');
  });
});
