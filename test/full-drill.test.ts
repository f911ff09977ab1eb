/** A full drill of the example lab on a real Temporal server: every phase, step and approval recorded. */
import type { Client } from '@temporalio/client';
import { startDrill } from '../src/drills';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import { DRILL_PHASES } from '../domain';

describe('a full drill of the example lab', () => {
  let client: Client;
  let worker: RunningWorker;
  let lab: StandinLab;
  const queue = uniqueQueue('full');

  beforeAll(async () => {
    client = await testClient();
    worker = await startTestWorker(queue);
    lab = await createStandinLab('full-drill-lab');
    lab.appctl('start', 'primary');
  });

  afterAll(async () => {
    lab?.stopAll();
    await worker?.stop();
    await client?.connection.close();
  });

  it('runs every phase and step, records approvers and times, and leaves service on the primary', async () => {
    const handle = await startDrill(client, queue, {
      target: lab.target,
      requestedBy: 'oncall',
      planYaml: lab.planYaml,
      reason: 'test',
    });
    let secondaryDuringFailback: number | 'down' | undefined;
    let primaryDuringFailback: number | 'down' | undefined;
    const record = await driveDrill(client, handle.workflowId, {
      approvers: ['alice', 'bob'],
      operator: 'oncall',
      onGate: async (r) => {
        if (r.pending?.id === 'approve-failback') {
          secondaryDuringFailback = await lab.health('secondary');
          primaryDuringFailback = await lab.health('primary');
        }
      },
    });

    await recordHistoryIfAsked(client, handle.workflowId, 'full-drill');
    expect(record.status).toBe('succeeded');
    expect(record.phases.map((p) => p.id)).toEqual(DRILL_PHASES);
    expect(record.phases.every((p) => p.status === 'done' && p.startedAt && p.endedAt)).toBe(true);
    expect(record.steps.length).toBeGreaterThan(10);
    for (const step of record.steps) {
      expect(step).toMatchObject({ status: 'succeeded' });
      expect(Date.parse(step.endedAt as string)).toBeGreaterThanOrEqual(Date.parse(step.startedAt as string));
      expect(step.summary).toBeTruthy();
    }
    // Gates: pre-reboot, failover, failback and sign-off, each by two distinct approvers with a time.
    for (const gate of ['approve-pre-reboot', 'approve-failover', 'approve-failback', 'signoff']) {
      const approvals = record.approvals.filter((a) => a.gate === gate);
      expect(approvals.map((a) => a.by).sort()).toEqual(['alice', 'bob']);
      for (const a of approvals) expect(Number.isNaN(Date.parse(a.at))).toBe(false);
    }
    // While the drill waited to fail back, the secondary served and the primary was down.
    expect(secondaryDuringFailback).toBe(200);
    expect(primaryDuringFailback).toBe('down');
    // And after failback it is the other way round.
    expect(await lab.health('primary')).toBe(200);
    expect(await lab.health('secondary')).toBe('down');
    expect(record.rto?.measuredMs).toBeGreaterThan(0);
    expect(record.rto?.met).toBe(true);
    expect(record.tasks.every((t) => t.completedBy === 'oncall')).toBe(true);
  });
});
