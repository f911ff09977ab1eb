/**
 * What a drill does when a step fails after its retries: it asks an operator (retry, skip with a
 * reason, abort) and does what the answer says; an abort after the failover changed the sites offers
 * the way back; nobody answering ends the drill. A failing stop condition holds the drill before its
 * next destructive step; a manual task nobody completes ends it. Each sentence is asserted exactly.
 * The interpreter runs on the time-skipping test server with mocked activities (support/drillHarness.ts).
 */
import { approve, completeTask, decide, DrillRefused, reject, resume } from '../../src/drills';
import { STEPS, startHarness, type Harness } from './support/drillHarness';
import type { DrillRecord } from '../../domain';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(() => harness.terminateRunning());
afterAll(() => harness?.stop());

const refusal = (message: string) => expect.objectContaining({ name: 'DrillRefused', message });

const HEALTH = 'preparation.app.health.primary';

describe('a step that fails after its retries', () => {
  it('waits for an operator, saying what failed and after how many attempts', async () => {
    const id = await harness.start('step-asks');
    harness.fail(id, HEALTH, 'exit 1: app is not serving');

    const record = await harness.waitFor(id, (r) => r.pending?.kind === 'decision');
    expect(record).toMatchObject({
      status: 'awaiting-decision',
      pending: {
        id: HEALTH,
        prompt:
          'Check app is healthy on dc1 failed after 2 attempt(s): exit 1: app is not serving. Retry, skip (with a reason) or abort?',
        error: 'exit 1: app is not serving',
      },
    });
    expect(record.steps.find((s) => s.id === HEALTH)).toMatchObject({
      status: 'failed',
      attempts: 2,
      runs: 1,
      error: 'exit 1: app is not serving',
    });
    // The plan's two attempts, then nothing more until someone decides.
    expect(harness.calls(id).map((c) => [c.stepId, c.attempt])).toEqual([
      [HEALTH, 1],
      [HEALTH, 2],
    ]);
    await expect(decide(harness.client, id, { by: 'mallory', decision: 'retry' })).rejects.toEqual(
      refusal('mallory is not an operator or approver of this plan'),
    );
    await expect(
      decide(harness.client, id, { by: 'oncall', decision: 'retry', stepId: 'preparation.backups-done' }),
    ).rejects.toEqual(refusal(`step "preparation.backups-done" is not waiting; "${HEALTH}" is`));
  });

  it('runs it again on retry, keeping the failed run, and goes on when it passes', async () => {
    const id = await harness.start('step-retry');
    harness.fail(id, HEALTH, 'exit 1: app is not serving');
    await harness.waitFor(id, (r) => r.pending?.kind === 'decision');
    harness.heal(id, HEALTH);

    expect(await decide(harness.client, id, { by: 'oncall', decision: 'retry' })).toEqual({
      accepted: true,
      message: `oncall chose to retry ${HEALTH}`,
    });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-pre-reboot');
    const step = record.steps.find((s) => s.id === HEALTH);
    expect(step).toMatchObject({
      status: 'succeeded',
      runs: 2,
      attempts: 1,
      summary: 'Check app is healthy on dc1: ok',
    });
    expect(step?.previousRuns).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 2, error: 'exit 1: app is not serving' }),
    ]);
    expect(record.decisions).toEqual([
      expect.objectContaining({ stepId: HEALTH, decision: 'retry', by: 'oncall', via: 'cli' }),
    ]);
    expect(harness.ran(id)).toEqual(STEPS.preparation);
  });

  it('skips it only with a reason, and the sign-off counts it as skipped', async () => {
    const id = await harness.start('step-skip');
    harness.fail(id, HEALTH, 'exit 1: app is not serving');
    await harness.waitFor(id, (r) => r.pending?.kind === 'decision');

    await expect(decide(harness.client, id, { by: 'oncall', decision: 'skip' })).rejects.toEqual(
      refusal('skipping a step needs a reason'),
    );
    expect(
      await decide(harness.client, id, { by: 'oncall', decision: 'skip', reason: 'checked by hand: it serves' }),
    ).toEqual({ accepted: true, message: `oncall chose to skip ${HEALTH}` });
    const atSignOff = await harness.approveUntil(id, 'signoff');
    expect(atSignOff.steps.find((s) => s.id === HEALTH)).toMatchObject({
      status: 'skipped',
      summary: 'Skipped by oncall: checked by hand: it serves',
    });
    expect(atSignOff.pending?.prompt).toBe(
      'Sign off the drill of step-skip: 11 steps succeeded, 1 skipped, 0 passed over.',
    );
  });

  it('ends the drill aborted on abort, naming who and where, with nothing after it run', async () => {
    const id = await harness.start('step-abort');
    harness.fail(id, HEALTH, 'exit 1: app is not serving');
    await harness.waitFor(id, (r) => r.pending?.kind === 'decision');

    expect(
      await decide(harness.client, id, { by: 'oncall', decision: 'abort', reason: 'the primary is sick already' }),
    ).toEqual({ accepted: true, message: `oncall chose to abort ${HEALTH}` });
    const record = await harness.ending(id);
    expect(record.status).toBe('aborted');
    // Before the failover nothing changed the sites, so no way back is offered.
    expect(record.outcome).toBe(`oncall aborted the drill at step ${HEALTH}.`);
    expect(harness.ran(id)).toEqual([HEALTH]);
    expect(record.phases.map((p) => p.status)).toEqual([
      'running',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
      'not-run',
    ]);
  });

  it("ends the drill timed out when nobody decides within the plan's timeout, neither retried nor skipped", async () => {
    const id = await harness.start('step-unanswered');
    harness.fail(id, HEALTH, 'exit 1: app is not serving');
    await harness.waitFor(id, (r) => r.pending?.kind === 'decision');

    const record = await harness.ending(id);
    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      `Nobody answered for step ${HEALTH} within the plan's timeout; the drill stopped there.`,
    );
    expect(record.steps.find((s) => s.id === HEALTH)).toMatchObject({ status: 'failed', runs: 1 });
    expect(harness.calls(id)).toHaveLength(2);
  });
});

describe('an abort after the failover changed the sites', () => {
  const CHECK = 'failover-check.app.health.secondary';

  /** A drill whose failover ran and whose check then failed, waiting for the operator's abort to offer the way back. */
  async function abortedAfterSwitch(target: string): Promise<{ id: string; record: DrillRecord }> {
    const id = await harness.start(target);
    harness.fail(id, CHECK, 'exit 1: dc2 answers 502');
    await harness.approveUntil(id);
    await decide(harness.client, id, { by: 'oncall', decision: 'abort', reason: 'dc2 does not serve' });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'rollback');
    return { id, record };
  }

  it('offers the way back; rejected, service stays on the secondary', async () => {
    const { id, record: offered } = await abortedAfterSwitch('abort-stay');
    expect(offered.pending?.prompt).toBe(
      'The failover was aborted after it changed the sites. Approve to fail back to dc1 (the failback and failback-check phases), or reject to leave service where it is.',
    );

    await reject(harness.client, id, { by: 'carol', gate: 'rollback' });
    const record = await harness.ending(id);
    expect(record.status).toBe('aborted');
    expect(record.outcome).toBe(
      `oncall aborted the drill at step ${CHECK}; the way back to the primary was not approved, so service stays on dc2.`,
    );
    expect(harness.ran(id)).not.toContain('failback.app.stop.secondary');
  });

  it('approved, runs the failback and its check without another gate, and says service is on the primary again', async () => {
    const { id } = await abortedAfterSwitch('abort-back');

    await approve(harness.client, id, { by: 'carol', gate: 'rollback' });
    const record = await harness.ending(id);
    expect(record.status).toBe('aborted');
    expect(record.outcome).toBe(
      `oncall aborted the drill at step ${CHECK}; carol approved the way back and service is on dc1 again.`,
    );
    expect(harness.ran(id).slice(-3)).toEqual([...STEPS.failback, ...STEPS['failback-check']]);
    expect(record.approvals.map((a) => a.gate)).not.toContain('approve-failback');
  });

  it('says the way back stopped too when a step of it is aborted', async () => {
    const { id } = await abortedAfterSwitch('abort-back-fails');
    harness.fail(id, 'failback.app.start.primary', 'exit 1: dc1 will not start');

    await approve(harness.client, id, { by: 'carol', gate: 'rollback' });
    await harness.waitFor(id, (r) => r.pending?.id === 'failback.app.start.primary');
    await decide(harness.client, id, { by: 'oncall', decision: 'abort' });
    const record = await harness.ending(id);
    expect(record.outcome).toBe(
      `oncall aborted the drill at step ${CHECK}; the way back stopped too: oncall aborted the drill at step failback.app.start.primary.`,
    );
  });
});

describe('a stop condition', () => {
  const FIRST_CHANGE = 'failover.app.stop.primary';

  it('that passes changes nothing: checked before each destructive step of the failover, which runs', async () => {
    const id = await harness.start('stop-passes', { stopCondition: true });
    const record = await harness.approveUntil(id, 'approve-failback');

    expect(record.stopConditions).toEqual([
      expect.objectContaining({ id: 'error-rate', ok: true, output: 'The error rate is low: ok' }),
    ]);
    // Before each destructive step of the phases that need approval, once each (no retries).
    const checks = harness
      .calls(id)
      .map((c, i, all) => (c.stepId === 'stop-condition.error-rate' ? all[i + 1]?.stepId : undefined))
      .filter(Boolean);
    expect(checks).toEqual([...STEPS['pre-reboot'].slice(0, 2), ...STEPS.failover]);
    expect(record.pauses ?? []).toEqual([]);
  });

  it('that fails holds the drill before the step with its output; nobody resuming ends the drill there', async () => {
    const id = await harness.start('stop-fails', { stopCondition: true });
    await harness.approveUntil(id, 'approve-failover');
    harness.fail(id, 'stop-condition.error-rate', 'exit 1: 12% of requests fail');
    await approve(harness.client, id, { by: 'bob' });

    const held = await harness.waitFor(id, (r) => r.pending?.kind === 'pause');
    expect(held).toMatchObject({
      status: 'paused',
      pending: {
        prompt:
          'Stop condition error-rate failed, so the drill holds before its next destructive step: The error rate is low: exit 1: 12% of requests fail. Resume to go on, or cancel the drill.',
      },
      pauses: [
        {
          by: 'stop-condition:error-rate',
          cause: 'stop-condition',
          reason: 'The error rate is low: exit 1: 12% of requests fail',
        },
      ],
    });
    expect(held.stopConditions).toEqual([
      expect.objectContaining({ id: 'error-rate', ok: false, output: 'exit 1: 12% of requests fail' }),
    ]);
    // One attempt: a condition that cannot tell is failing, never retried into passing.
    expect(harness.calls(id).filter((c) => c.stepId === 'stop-condition.error-rate' && c.failed)).toHaveLength(1);

    const record = await harness.ending(id);
    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(
      `Nobody answered for step ${FIRST_CHANGE} within the plan's timeout; the drill stopped there.`,
    );
    expect(harness.ran(id)).not.toContain(FIRST_CHANGE);
    expect(record.pauses?.[0]).toMatchObject({ resumedBy: 'nobody', resumeReason: 'timed out' });
  });

  it('that fails lets the drill go on once an operator resumes it and the condition passes again', async () => {
    const id = await harness.start('stop-resumed', { stopCondition: true });
    await harness.approveUntil(id, 'approve-failover');
    harness.fail(id, 'stop-condition.error-rate', 'exit 1: 12% of requests fail');
    await approve(harness.client, id, { by: 'bob' });
    await harness.waitFor(id, (r) => r.pending?.kind === 'pause');
    harness.heal(id, 'stop-condition.error-rate');

    await expect(resume(harness.client, id, { by: 'mallory' })).rejects.toBeInstanceOf(DrillRefused);
    expect(await resume(harness.client, id, { by: 'oncall', reason: 'a deploy caused it; rolled back' })).toEqual({
      accepted: true,
      message: 'oncall resumed the drill',
    });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failback');
    expect(harness.ran(id)).toEqual(expect.arrayContaining([...STEPS.failover, ...STEPS['failover-check']]));
    expect(record.stopConditions).toEqual([expect.objectContaining({ id: 'error-rate', ok: true })]);
    expect(record.pauses).toEqual([
      expect.objectContaining({
        cause: 'stop-condition',
        resumedBy: 'oncall',
        resumeReason: 'a deploy caused it; rolled back',
      }),
    ]);
  });
});

describe('a manual task', () => {
  const TASK = 'preparation.confirm-backups';

  it('waits for an operator, who completes it with a note', async () => {
    const id = await harness.start('task-done', { manualBackups: true });
    const waiting = await harness.waitFor(id, (r) => r.pending?.kind === 'task');
    expect(waiting.pending).toMatchObject({
      id: TASK,
      prompt:
        "Confirm that today's database backups and the VM snapshots of both sites have completed, and note where they are.",
    });

    await expect(completeTask(harness.client, id, { by: 'mallory', taskId: TASK })).rejects.toEqual(
      refusal('mallory is not an operator or approver of this plan'),
    );
    expect(
      await completeTask(harness.client, id, { by: 'oncall', taskId: TASK, note: 'in s3://backups/2026-12-07' }),
    ).toEqual({ accepted: true, message: `oncall completed ${TASK}` });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-pre-reboot');
    expect(record.steps.find((s) => s.id === TASK)).toMatchObject({
      status: 'succeeded',
      summary:
        'oncall completed: Confirm that backups and VM snapshots of both sites are done (in s3://backups/2026-12-07)',
    });
  });

  it('nobody completes ends the drill timed out, the step failed', async () => {
    const id = await harness.start('task-unanswered', { manualBackups: true });
    await harness.waitFor(id, (r) => r.pending?.kind === 'task');

    const record = await harness.ending(id);
    expect(record.status).toBe('timed-out');
    expect(record.outcome).toBe(`Nobody answered for step ${TASK} within the plan's timeout; the drill stopped there.`);
    expect(record.steps.find((s) => s.id === TASK)).toMatchObject({
      status: 'failed',
      error: 'nobody completed the task in time',
    });
  });
});
