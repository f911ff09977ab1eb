/**
 * Who may answer a drill's gates, and what each answer does (workflows/access.ts through the drill's
 * updates and signals): an approval by someone not an approver, by the drill's own starter under the
 * four-eyes rule, twice by one person, for another gate or an earlier opening, are refused with their
 * reason and kept in the record; a quorum needs that many people; a pause needs an operator and a
 * reason and holds the drill before its next step until resumed. The interpreter runs on the
 * time-skipping test server with mocked activities (support/drillHarness.ts).
 */
import { approve, completeTask, decide, DrillRefused, pause, reject, resume } from '../../src/drills';
import { approveSignal, type ApprovalInput } from '../../workflows/handlers';
import { REMINDER_MS, STEPS, startHarness, type Harness } from './support/drillHarness';
import type { DrillRecord } from '../../domain';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(() => harness.terminateRunning());
afterAll(() => harness?.stop());

/** A drill of a fresh target waiting at its first gate, approve-pre-reboot (its preparation done). */
async function atFirstGate(
  target: string,
  options: Parameters<Harness['start']>[1] = {},
): Promise<{ id: string; record: DrillRecord }> {
  const id = await harness.start(target, options);
  const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-pre-reboot');
  return { id, record };
}

const refusal = (message: string) => expect.objectContaining({ name: 'DrillRefused', message });

describe('approvals', () => {
  it('refuses someone who is not an approver, keeps the refusal, and leaves the gate open', async () => {
    const { id } = await atFirstGate('gate-stranger');

    await expect(approve(harness.client, id, { by: 'mallory' })).rejects.toEqual(
      refusal('mallory is not an approver of this plan (approvers: alice, bob, carol)'),
    );
    await expect(reject(harness.client, id, { by: 'mallory' })).rejects.toBeInstanceOf(DrillRefused);

    const record = await harness.record(id);
    expect(record.refusals.map(({ by, action, reason, via }) => ({ by, action, reason, via }))).toEqual([
      {
        by: 'mallory',
        action: 'approve',
        reason: 'mallory is not an approver of this plan (approvers: alice, bob, carol)',
        via: 'cli',
      },
      {
        by: 'mallory',
        action: 'reject',
        reason: 'mallory is not an approver of this plan (approvers: alice, bob, carol)',
        via: 'cli',
      },
    ]);
    expect(record).toMatchObject({
      status: 'awaiting-approval',
      approvals: [],
      pending: { id: 'approve-pre-reboot', approvedBy: [] },
    });
    expect(harness.ran(id)).toEqual(STEPS.preparation);
  });

  it("refuses the drill's own starter under the four-eyes rule, who may still stop it", async () => {
    const { id } = await atFirstGate('gate-four-eyes', { requestedBy: 'alice' });

    await expect(approve(harness.client, id, { by: 'alice' })).rejects.toEqual(
      refusal('four-eyes rule: alice started this drill and cannot approve it'),
    );
    expect(await reject(harness.client, id, { by: 'alice', comment: 'wrong window' })).toEqual({
      accepted: true,
      message: 'alice rejected approve-pre-reboot; the drill stops',
    });

    const record = await harness.ending(id);
    expect(record.outcome).toBe('alice rejected phase pre-reboot: wrong window; nothing in it ran.');
    expect(record.refusals.map((r) => r.reason)).toEqual([
      'four-eyes rule: alice started this drill and cannot approve it',
    ]);
  });

  it('lets the starter approve when the plan has no four-eyes rule', async () => {
    const { id } = await atFirstGate('gate-own-approval', { requestedBy: 'alice', fourEyes: false });

    expect(await approve(harness.client, id, { by: 'alice' })).toEqual({
      accepted: true,
      message: 'alice approved approve-pre-reboot; the drill goes on',
    });
    await harness.waitFor(id, (r) => r.pending?.id === 'approve-failover');
    expect(harness.ran(id)).toEqual([...STEPS.preparation, ...STEPS['pre-reboot'], ...STEPS.check]);
  });

  it('waits for the quorum: each approval counts once, and the phase runs on the last one needed', async () => {
    const { id } = await atFirstGate('gate-quorum', { quorum: 2 });
    expect((await harness.record(id)).pending).toMatchObject({ quorum: 2, approvedBy: [] });

    expect(await approve(harness.client, id, { by: 'bob' })).toEqual({
      accepted: true,
      message: 'bob approved approve-pre-reboot; 1 more approval(s) needed',
    });
    await expect(approve(harness.client, id, { by: 'bob' })).rejects.toEqual(
      refusal('bob has already approved gate "approve-pre-reboot"'),
    );
    const halfway = await harness.record(id);
    expect(halfway).toMatchObject({
      status: 'awaiting-approval',
      pending: { id: 'approve-pre-reboot', approvedBy: ['bob'] },
    });
    expect(harness.ran(id)).toEqual(STEPS.preparation);

    expect(await approve(harness.client, id, { by: 'carol' })).toEqual({
      accepted: true,
      message: 'carol approved approve-pre-reboot; the drill goes on',
    });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failover');
    expect(record.approvals.map((a) => [a.gate, a.by])).toEqual([
      ['approve-pre-reboot', 'bob'],
      ['approve-pre-reboot', 'carol'],
    ]);
    expect(record.waits?.find((w) => w.id === 'approve-pre-reboot')).toMatchObject({ result: 'approved', by: 'carol' });
  });

  it('refuses an answer meant for another gate, or for an earlier opening of this one', async () => {
    const { id, record } = await atFirstGate('gate-stale');
    const since = record.pending?.since as string;

    await expect(approve(harness.client, id, { by: 'bob', gate: 'approve-failover' })).rejects.toEqual(
      refusal('gate "approve-failover" is not open; the open gate is "approve-pre-reboot"'),
    );
    await expect(
      approve(harness.client, id, { by: 'bob', gate: 'approve-pre-reboot', openedAt: '2026-01-01T00:00:00.000Z' }),
    ).rejects.toEqual(
      refusal(
        `that answer is for "approve-pre-reboot" as it was opened at 2026-01-01T00:00:00.000Z; it is open now since ${since}, so nothing was done twice`,
      ),
    );
    // The same gate as it is open now is taken.
    expect(await approve(harness.client, id, { by: 'bob', gate: 'approve-pre-reboot', openedAt: since })).toMatchObject(
      { accepted: true },
    );
    await harness.waitFor(id, (r) => r.pending?.id === 'approve-failover');
    expect((await harness.record(id)).refusals).toHaveLength(2);
  });

  it('refuses answers of another kind than the open gate asks for', async () => {
    const { id } = await atFirstGate('gate-wrong-kind');

    await expect(decide(harness.client, id, { by: 'oncall', decision: 'retry' })).rejects.toEqual(
      refusal('no failed step is waiting for a decision right now'),
    );
    await expect(
      completeTask(harness.client, id, { by: 'oncall', taskId: 'preparation.confirm-backups' }),
    ).rejects.toEqual(refusal('no manual task is open right now'));
    // Naming nobody is refused at the door, unrecorded.
    await expect(approve(harness.client, id, { by: ' ' })).rejects.toEqual(
      refusal('say who you are: "by" is required'),
    );
    expect((await harness.record(id)).refusals.map((r) => [r.action, r.reason])).toEqual([
      ['decide', 'no failed step is waiting for a decision right now'],
      ['completeTask', 'no manual task is open right now'],
    ]);
  });

  it('refuses an answer through a door Drillbook does not know', async () => {
    const { id } = await atFirstGate('gate-door');

    // A value no type allows, as another client might send it.
    const foreign = { by: 'bob', channel: 'fax' } as unknown as ApprovalInput;
    await expect(approve(harness.client, id, foreign)).rejects.toEqual(
      refusal('channel must be one of cli, slack, ui (or absent, for the Temporal UI), got "fax"'),
    );
    expect((await harness.record(id)).pending).toMatchObject({ id: 'approve-pre-reboot', approvedBy: [] });
  });

  it('acts once on an answer that arrives twice under one request id (an update and its hand-over signal)', async () => {
    const { id } = await atFirstGate('gate-twice', { quorum: 2 });

    expect(await approve(harness.client, id, { by: 'bob', requestId: 'click-1' })).toMatchObject({ accepted: true });
    await expect(approve(harness.client, id, { by: 'bob', requestId: 'click-1' })).rejects.toEqual(
      refusal('this answer (request click-1) was recorded already; nothing was done twice'),
    );
    await harness.client.workflow
      .getHandle(id)
      .signal(approveSignal, { by: 'bob', requestId: 'click-1', channel: 'cli' });
    // carol's approval is taken after the signal: once it shows, the signal was judged too.
    await approve(harness.client, id, { by: 'carol' });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failover');
    expect(record.approvals.map((a) => [a.gate, a.by])).toEqual([
      ['approve-pre-reboot', 'bob'],
      ['approve-pre-reboot', 'carol'],
    ]);
    expect(record.refusals).toEqual([]);
  });

  it("keeps the refusal of a fire-and-forget signal (the Temporal UI's door) in the record", async () => {
    const { id } = await atFirstGate('gate-signal');

    await harness.client.workflow.getHandle(id).signal(approveSignal, { by: 'mallory' });
    const record = await harness.waitFor(id, (r) => r.refusals.length > 0);
    expect(record.refusals.map(({ by, action, reason, via }) => ({ by, action, reason, via }))).toEqual([
      {
        by: 'mallory',
        action: 'approve',
        reason: 'mallory is not an approver of this plan (approvers: alice, bob, carol)',
        via: 'ui',
      },
    ]);
    expect(record.pending).toMatchObject({ id: 'approve-pre-reboot', approvedBy: [] });
  });
});

describe('pausing', () => {
  it('needs an operator or approver, and a reason', async () => {
    const { id } = await atFirstGate('gate-pause-refused');

    await expect(pause(harness.client, id, { by: 'mallory', reason: 'curious' })).rejects.toEqual(
      refusal('mallory is not an operator or approver of this plan'),
    );
    await expect(pause(harness.client, id, { by: 'oncall' })).rejects.toEqual(
      refusal('pausing a drill needs a reason (kept in the record)'),
    );
    await expect(resume(harness.client, id, { by: 'oncall' })).rejects.toEqual(refusal('the drill is not paused'));
    expect((await harness.record(id)).pauses ?? []).toEqual([]);
  });

  it('holds the drill before its next step, reminding, until resumed; then it goes on', async () => {
    const { id } = await atFirstGate('gate-pause');
    expect(await pause(harness.client, id, { by: 'oncall', reason: 'the storage team is patching dc1' })).toEqual({
      accepted: true,
      message: 'oncall paused the drill: the step in flight finishes, then it holds until resumed',
    });
    await expect(pause(harness.client, id, { by: 'bob', reason: 'again' })).rejects.toEqual(
      refusal('the drill is paused already'),
    );
    await approve(harness.client, id, { by: 'bob' });

    const held = await harness.waitFor(id, (r) => r.pending?.kind === 'pause');
    expect(held).toMatchObject({
      status: 'paused',
      pending: {
        id: 'pause',
        prompt:
          'oncall paused the drill: the storage team is patching dc1. It holds before its next step; resume to go on.',
      },
    });
    // An hour of the drill's time passes: it still holds, reminding, and no step of the approved phase ran.
    await harness.skip(60 * 60_000);
    const later = await harness.record(id);
    expect(later).toMatchObject({ status: 'paused', pending: { id: 'pause' } });
    expect(later.reminders.filter((r) => r.id === 'pause').length).toBeGreaterThanOrEqual(
      (60 * 60_000) / REMINDER_MS - 1,
    );
    expect(harness.ran(id)).toEqual(STEPS.preparation);

    expect(await resume(harness.client, id, { by: 'oncall', reason: 'patched' })).toEqual({
      accepted: true,
      message: 'oncall resumed the drill',
    });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failover');
    expect(harness.ran(id)).toEqual([...STEPS.preparation, ...STEPS['pre-reboot'], ...STEPS.check]);
    expect(record.pauses).toEqual([
      expect.objectContaining({
        by: 'oncall',
        reason: 'the storage team is patching dc1',
        cause: 'operator',
        via: 'cli',
        resumedBy: 'oncall',
        resumeReason: 'patched',
      }),
    ]);
  });
});
