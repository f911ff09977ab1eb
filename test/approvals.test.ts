/** Approval gates: reject ends the drill with nothing after the gate run; four-eyes and approver lists hold. */
import type { Client } from '@temporalio/client';
import { approve, drillStatus, reject, startDrill } from '../src/drills';
import { approveSignal } from '../workflows/handlers';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill, waitForPending, waitForRecord } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';

describe('approval gates', () => {
  let client: Client;
  let worker: RunningWorker;
  const labs: StandinLab[] = [];
  const queue = uniqueQueue('approvals');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
  });

  afterAll(async () => {
    for (const lab of labs) lab.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  async function labWithPrimaryUp(target: string): Promise<StandinLab> {
    const lab = await createStandinLab(target);
    labs.push(lab);
    lab.appctl('start', 'primary');
    return lab;
  }

  it('a rejection ends the drill as rejected and runs no step of the rejected phase', async () => {
    const lab = await labWithPrimaryUp('reject-lab');
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

    const answer = await reject(client, workflowId, { by: 'carol', comment: 'change freeze' });
    expect(answer.message).toContain('rejected');
    const record = await waitForRecord(client, workflowId, (r) => r.status === 'rejected');
    await recordHistoryIfAsked(client, workflowId, 'rejected');

    expect(record.outcome).toContain('carol rejected phase pre-reboot: change freeze');
    expect(
      record.steps.filter((s) => s.phase !== 'preparation').every((s) => s.status === 'pending' && s.runs === 0),
    ).toBe(true);
    expect(record.phases.find((p) => p.id === 'pre-reboot')?.status).toBe('not-run');
    expect(record.approvals).toContainEqual(
      expect.objectContaining({ gate: 'approve-pre-reboot', decision: 'rejected', by: 'carol' }),
    );
    // The primary was never stopped.
    expect(await lab.health('primary')).toBe(200);
  });

  it('refuses the requester under four-eyes, strangers, stale gates and double votes, and keeps the gate open', async () => {
    const lab = await labWithPrimaryUp('four-eyes-lab');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'alice',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, {
      approvers: ['bob', 'carol'],
      operator: 'oncall',
      stopAt: 'approve-pre-reboot',
    });

    await expect(approve(client, workflowId, { by: 'alice' })).rejects.toThrow(
      /four-eyes rule: alice started this drill/,
    );
    await expect(approve(client, workflowId, { by: 'mallory' })).rejects.toThrow(/mallory is not an approver/);
    await expect(approve(client, workflowId, { by: 'bob', gate: 'approve-failover' })).rejects.toThrow(
      /gate "approve-failover" is not open/,
    );
    await approve(client, workflowId, { by: 'bob' });
    await expect(approve(client, workflowId, { by: 'bob' })).rejects.toThrow(/already approved/);

    // A signal cannot be answered, so its refusal is kept in the record.
    await client.workflow.getHandle(workflowId).signal(approveSignal, { by: 'alice' });
    const record = await waitForRecord(client, workflowId, (r) => r.refusals.length > 0);
    expect(record.refusals[0]).toMatchObject({ by: 'alice', action: 'approve' });
    expect(record.refusals[0].reason).toMatch(/four-eyes/);
    // One valid approval of the two needed: still waiting, nothing ran.
    expect(record.pending).toMatchObject({ id: 'approve-pre-reboot', approvedBy: ['bob'] });
    expect(record.steps.find((s) => s.phase === 'pre-reboot')?.status).toBe('pending');

    // The requester may still stop their own drill.
    await reject(client, workflowId, { by: 'alice', comment: 'wrong window' });
    await waitForRecord(client, workflowId, (r) => r.status === 'rejected');
  });

  it('refuses a second drill of a target while one runs', async () => {
    const lab = await labWithPrimaryUp('one-at-a-time-lab');
    const first = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, first.workflowId, 'task');
    await expect(
      startDrill(client, queue, { target: lab.target, requestedBy: 'dave', planYaml: lab.planYaml }),
    ).rejects.toThrow(/a drill of one-at-a-time-lab is already running \(drill-one-at-a-time-lab since/);
    // The first drill is untouched.
    expect((await drillStatus(client, first.workflowId)).requestedBy).toBe('oncall');
    await first.cancel();
    await waitForRecord(client, first.workflowId, (r) => r.status === 'cancelled').catch(() => undefined);
  });

  it('signals approve like updates for clients such as the Temporal UI', async () => {
    const lab = await labWithPrimaryUp('signal-lab');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await driveDrill(client, workflowId, { approvers: [], operator: 'oncall', stopAt: 'approve-pre-reboot' });
    const handle = client.workflow.getHandle(workflowId);
    await handle.signal(approveSignal, { by: 'alice', comment: 'via UI' });
    await handle.signal(approveSignal, { by: 'carol' });
    const record = await waitForRecord(client, workflowId, (r) =>
      r.steps.some((s) => s.phase === 'pre-reboot' && s.status !== 'pending'),
    );
    expect(record.approvals.filter((a) => a.gate === 'approve-pre-reboot')).toEqual([
      // A signal that names no channel came from outside Drillbook's clients: the Temporal UI.
      expect.objectContaining({ by: 'alice', via: 'ui', comment: 'via UI' }),
      expect.objectContaining({ by: 'carol', via: 'ui' }),
    ]);
    await reject(client, workflowId, { by: 'bob' }).catch(() => undefined);
    await handle.cancel().catch(() => undefined);
    await recordHistoryIfAsked(client, workflowId, 'approvals-by-signal');
  });

  // On the real dev server because this run is recorded as the replay corpus's gate-roles history: a
  // gate's own rule (approvals-per-gate) and a stop condition scoped to a phase on the serving site
  // (stop-conditions-scoped), as the real server writes them.
  it('a gate with roles takes one approval per role, refuses one that fills none, and a scoped stop condition on the serving site is asked', async () => {
    const lab = await createStandinLab('gate-roles-lab', (plan) => {
      plan.approvals.approvers = [{ id: 'alice', roles: ['dba'] }, { id: 'bob', roles: ['change-manager'] }, 'carol'];
      plan.approvals.quorum = 1;
      plan.approvals.gates = { failover: { roles: ['dba', 'change-manager'] } };
      plan.stopConditions = [
        {
          id: 'serving-ready',
          title: 'The side we move to answers',
          site: 'serving',
          phases: ['failover'],
          command: { argv: ['node', '-e', 'process.exit(0)'], timeout: '5s' },
        },
      ];
    });
    labs.push(lab);
    lab.appctl('start', 'primary');
    const { workflowId } = await startDrill(client, queue, {
      target: lab.target,
      mode: 'failover',
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
    });
    await waitForPending(client, workflowId, 'approval');
    expect((await drillStatus(client, workflowId)).pending).toMatchObject({
      id: 'approve-failover',
      quorum: 2,
      roles: ['dba', 'change-manager'],
    });
    // carol holds no role: with a quorum of two and two roles open, her approval fills nothing.
    await expect(approve(client, workflowId, { by: 'carol', gate: 'approve-failover' })).rejects.toThrow(
      /carol holds none of the roles the failover gate still needs/,
    );
    await approve(client, workflowId, { by: 'alice', gate: 'approve-failover' });
    await approve(client, workflowId, { by: 'bob', gate: 'approve-failover' });
    const record = await driveDrill(client, workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
    await recordHistoryIfAsked(client, workflowId, 'gate-roles');

    expect(record.status).toBe('succeeded');
    expect(await lab.health('secondary')).toBe(200);
    expect(record.refusals).toEqual([expect.objectContaining({ by: 'carol', action: 'approve', via: 'cli' })]);
    expect(record.approvals.filter((a) => a.gate === 'approve-failover').map((a) => a.by)).toEqual(['alice', 'bob']);
    // Resolved to the failover's serving side (the secondary) and asked before its destructive steps.
    expect(record.stopConditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'serving-ready', title: 'The side we move to answers (on lab-dc2)', ok: true }),
      ]),
    );
  });
});

describe('a gate nobody answers', () => {
  // On the real dev server with a 3.5 s timeout, because this run is recorded as the replay corpus's
  // gate-timed-out history (a drill as the real server writes it); the plan-scale durations (15 min
  // reminders, an 8 h timeout) are tested on the time-skipping server in test/gate-timing.test.ts.
  it('sends reminders, then ends the drill as timed out without running the phase', async () => {
    const client = await testClient();
    const queue = uniqueQueue('timeout');
    const worker = await startTestWorker(queue);
    const lab = await createStandinLab('timeout-lab', (plan) => {
      // Seconds, not the plan's hours: a reminder at 1 s, the timeout at 5 s with room on a loaded machine.
      plan.approvals.reminderAfter = '1s';
      plan.approvals.timeout = '5s';
    });
    lab.appctl('start', 'primary');
    try {
      const { workflowId } = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
      });
      await driveDrill(client, workflowId, { approvers: [], operator: 'oncall', stopAt: 'approve-pre-reboot' });
      const record = await waitForRecord(client, workflowId, (r) => r.status === 'timed-out', 30_000);
      expect(record.reminders.filter((r) => r.id === 'approve-pre-reboot').length).toBeGreaterThanOrEqual(1);
      expect(record.outcome).toMatch(/Nobody approved phase pre-reboot within the plan's approval timeout/);
      expect(record.steps.filter((s) => s.phase === 'pre-reboot').every((s) => s.runs === 0)).toBe(true);
      expect(await lab.health('primary')).toBe(200);
      await recordHistoryIfAsked(client, workflowId, 'gate-timed-out');
    } finally {
      lab.stopAll();
      await worker.stop();
      await client.connection.close();
    }
  });
});
