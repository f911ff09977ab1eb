/**
 * How a drill ends, and the one sentence its record gives for it: signed off, rejected at a gate,
 * a gate or the sign-off nobody answered, cancelled from outside, refused at its start (an invalid
 * plan, bad input, a wrong workflow ID), and a real outage's failover, which runs only the failover
 * and its check and passes over what fails on the lost primary. The interpreter runs on the
 * time-skipping test server with mocked activities (support/drillHarness.ts).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { approve, reject } from '../../src/drills';
import { ALL_STEPS, REMINDER_MS, STEPS, TIMEOUT_MS, startHarness, type Harness } from './support/drillHarness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(() => harness.terminateRunning());
afterAll(() => harness?.stop());

const PHASES = [
  'preparation',
  'pre-reboot',
  'check',
  'failover',
  'failover-check',
  'failback',
  'failback-check',
  'wrap-up',
];

describe('a drill that runs to its end', () => {
  it("succeeds once signed off, every phase done, every step run once in the runbook's order", async () => {
    const id = await harness.start('end-signed');
    await harness.approveUntil(id, 'signoff');
    const waiting = await harness.record(id);
    expect(waiting.pending?.prompt).toBe(
      'Sign off the drill of end-signed: 12 steps succeeded, 0 skipped, 0 passed over.',
    );
    await approve(harness.client, id, { by: 'carol', gate: 'signoff' });

    const record = await harness.ending(id);
    expect(record.status).toBe('succeeded');
    expect(record.outcome).toBe(
      'The drill of end-signed succeeded: 12 steps succeeded, 0 skipped, 0 passed over; signed off by carol.',
    );
    expect(record.phases.map((p) => [p.id, p.status])).toEqual(PHASES.map((p) => [p, 'done']));
    expect(harness.calls(id).map((c) => c.stepId)).toEqual(ALL_STEPS);
    expect(record.approvals.map((a) => [a.gate, a.by, a.via])).toEqual([
      ['approve-pre-reboot', 'bob', 'cli'],
      ['approve-failover', 'bob', 'cli'],
      ['approve-failback', 'bob', 'cli'],
      ['signoff', 'carol', 'cli'],
    ]);
    // The report is written from the ended record, and people are told the drill ended.
    expect(harness.reports.find((r) => r.drillId === id)?.outcome).toBe(record.outcome);
    expect(harness.told(id).at(-1)).toMatchObject({ type: 'drill-ended', record: { status: 'succeeded' } });
  });

  it('ends rejected when an approver refuses the sign-off, with the comment', async () => {
    const id = await harness.start('end-signoff-refused');
    await harness.approveUntil(id, 'signoff');
    await reject(harness.client, id, { by: 'carol', gate: 'signoff', comment: 'the RTO was missed' });

    const record = await harness.ending(id);
    expect(record.status).toBe('rejected');
    expect(record.outcome).toBe(
      'All phases ran (12 steps succeeded, 0 skipped, 0 passed over) but carol refused the sign-off: the RTO was missed.',
    );
  });

  it("ends timed out when nobody signs off within the plan's timeout", async () => {
    const id = await harness.start('end-signoff-unanswered');
    await harness.approveUntil(id, 'signoff');

    const record = await harness.ending(id);
    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      'All phases ran (12 steps succeeded, 0 skipped, 0 passed over) but nobody signed off in time.',
    );
    expect(record.waits?.at(-1)).toMatchObject({ id: 'signoff', result: 'timed-out' });
  });
});

describe('a drill stopped at a gate', () => {
  it('ends rejected when an approver rejects a phase, and nothing of that phase runs', async () => {
    const id = await harness.start('end-rejected');
    await harness.approveUntil(id, 'approve-failover');
    await reject(harness.client, id, { by: 'carol', gate: 'approve-failover', comment: 'not this week' });

    const record = await harness.ending(id);
    expect(record.status).toBe('rejected');
    expect(record.outcome).toBe('carol rejected phase failover: not this week; nothing in it ran.');
    expect(harness.ran(id)).toEqual([...STEPS.preparation, ...STEPS['pre-reboot'], ...STEPS.check]);
    expect(record.phases.filter((p) => p.status === 'not-run').map((p) => p.id)).toEqual([
      'failover',
      'failover-check',
      'failback',
      'failback-check',
      'wrap-up',
    ]);
  });

  it('says so without a comment when the rejection has none', async () => {
    const id = await harness.start('end-rejected-bare');
    await harness.approveUntil(id, 'approve-pre-reboot');
    await reject(harness.client, id, { by: 'bob', gate: 'approve-pre-reboot' });

    expect((await harness.ending(id)).outcome).toBe('bob rejected phase pre-reboot; nothing in it ran.');
  });

  it("ends timed out when nobody approves a phase within the plan's timeout, having reminded every 15 minutes", async () => {
    const id = await harness.start('end-gate-unanswered');
    await harness.approveUntil(id, 'approve-pre-reboot');

    const record = await harness.ending(id);
    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      "Nobody approved phase pre-reboot within the plan's approval timeout; nothing in it ran.",
    );
    expect(record.reminders.filter((r) => r.id === 'approve-pre-reboot')).toHaveLength(TIMEOUT_MS / REMINDER_MS - 1);
    expect(harness.ran(id)).toEqual(STEPS.preparation);
  });

  it('ends cancelled when cancelled from outside while it waits', async () => {
    const id = await harness.start('end-cancelled');
    await harness.approveUntil(id, 'approve-failover');
    await harness.client.workflow.getHandle(id).cancel();

    await expect(harness.ending(id)).rejects.toBeInstanceOf(WorkflowFailedError);
    const record = await harness.record(id);
    expect(record.status).toBe('cancelled');
    expect(record.outcome).toBe('The drill was cancelled from outside (Temporal UI or CLI).');
    expect(harness.told(id).at(-1)).toMatchObject({ type: 'drill-ended', record: { status: 'cancelled' } });
  });
});

describe('a drill refused at its start', () => {
  it('runs no step of an invalid plan, and says why', async () => {
    const id = await harness.start('end-invalid-plan', { quorum: 4 });

    await expect(harness.ending(id)).rejects.toBeInstanceOf(WorkflowFailedError);
    const record = await harness.record(id);
    expect(record.status).toBe('refused');
    expect(record.outcome).toBe(
      'No step ran: the plan given at start is not a valid plan: approvals.quorum: needs 4 approvals but only 3 approvers are listed',
    );
    expect(harness.calls(id)).toEqual([]);
  });

  it('refuses input that names nobody as its starter', async () => {
    const handle = await harness.client.workflow.start('drillWorkflow', {
      taskQueue: harness.taskQueue,
      workflowId: 'drill-end-nobody',
      args: [{ target: 'end-nobody', requestedBy: ' ' }],
    });

    await expect(handle.result()).rejects.toMatchObject({
      cause: { message: 'invalid drill input: requestedBy: say who starts the drill' },
    });
    expect(await harness.record(handle.workflowId)).toMatchObject({
      status: 'refused',
      outcome: 'Refused, nothing ran: invalid drill input: requestedBy: say who starts the drill',
    });
    expect(harness.calls(handle.workflowId)).toEqual([]);
  });

  it('refuses a drill started under another workflow ID, and keeps the refusal in the audit trail', async () => {
    const handle = await harness.client.workflow.start('drillWorkflow', {
      taskQueue: harness.taskQueue,
      workflowId: 'my-own-id',
      args: [{ target: 'end-wrong-id', requestedBy: 'dave' }],
    });
    const reason =
      'a drill of end-wrong-id must run under the workflow ID drill-end-wrong-id, not my-own-id: that ID is what keeps to one drill per target and lets the CLI and Slack find it. Nothing ran; start it again as drill-end-wrong-id.';

    await expect(handle.result()).rejects.toMatchObject({ cause: { message: reason } });
    expect(await harness.record('my-own-id')).toMatchObject({
      status: 'refused',
      outcome: `Refused, nothing ran: ${reason}`,
    });
    expect(harness.audits).toEqual([
      expect.objectContaining({
        target: 'end-wrong-id',
        kind: 'wrong-id-start',
        by: 'dave',
        via: 'ui',
        reason,
        workflowId: 'my-own-id',
      }),
    ]);
  });
});

describe('a real outage (failover mode)', () => {
  it('runs only the failover and its check, passing over what fails on the lost primary', async () => {
    const id = await harness.start('end-outage', { mode: 'failover' });
    harness.fail(id, 'failover.app.stop.primary', 'exit 255: ssh: connect to host dc1: No route to host');
    await harness.approveUntil(id, 'signoff');
    await approve(harness.client, id, { by: 'carol', gate: 'signoff' });

    const record = await harness.ending(id);
    expect(record.phases.map((p) => [p.id, p.status])).toEqual([
      ['failover', 'done'],
      ['failover-check', 'done'],
    ]);
    expect(harness.ran(id)).toEqual([...STEPS.failover, ...STEPS['failover-check']]);
    expect(record.steps.find((s) => s.id === 'failover.app.stop.primary')).toMatchObject({
      status: 'best-effort-failed',
      summary:
        'Stop app on dc1 failed and was passed over (the site may be gone): exit 255: ssh: connect to host dc1: No route to host',
    });
    expect(record.decisions).toEqual([]);
    expect(record.outcome).toBe(
      // Where service is, as far as the drill knows (issue 20): the check that saw dc2 serve.
      'The failover of end-outage succeeded: 2 steps succeeded, 0 skipped, 1 passed over; signed off by carol. As far as the drill knows, service is on dc2 (its check "Check app is healthy on dc2" saw it serve).',
    );
  });
});
