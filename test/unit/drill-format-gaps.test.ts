/**
 * What the interpreter makes of the format gaps closed in issue 19 (item 6), on the time-skipping
 * test server with mocked activities (support/drillHarness.ts): a step with `retries: 0` is tried
 * once and then waits for an operator; a team's parallel block runs its steps at once, one failing
 * while the other finishes; stop conditions are asked only in their phases and, with
 * `site: serving`, on the site each phase moves service to; a gate with roles takes one approval per
 * role and refuses (and records) an approval that fills none; a starter whom four-eyes bars from a
 * gate nobody else could approve is refused at the start.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { approve, decide, DrillRefused } from '../../src/drills';
import { approveSignal } from '../../workflows/handlers';
import { STEPS, startHarness, type Harness } from './support/drillHarness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(() => harness.terminateRunning());
afterAll(() => harness?.stop());

type Doc = Record<string, unknown>;
const addSteps =
  (...steps: Doc[]) =>
  (plan: Doc): void => {
    plan.steps = [...(plan.steps as Doc[]), ...steps];
  };

describe('retries: 0 on a plan step', () => {
  const VIP = 'failover.move-vip';

  it('tries a command that must not run twice once, then asks an operator, who may retry it', async () => {
    const id = await harness.start('retries-once', {
      edit: addSteps({
        id: 'move-vip',
        phase: 'failover',
        segment: 'switch',
        title: 'Move the VIP to dc2',
        destructive: true,
        command: ['vip', 'move', 'dc2'],
        retries: 0,
      }),
    });
    await harness.approveUntil(id, 'approve-failover');
    harness.fail(id, VIP, 'exit 1: the VIP is held by dc1');
    await approve(harness.client, id, { by: 'bob' });

    const asked = await harness.waitFor(id, (r) => r.pending?.kind === 'decision');
    expect(asked.pending).toMatchObject({ id: VIP, error: 'exit 1: the VIP is held by dc1' });
    expect(asked.steps.find((s) => s.id === VIP)).toMatchObject({ status: 'failed', attempts: 1 });
    // The plan's default (2 attempts in the harness's plans) would have run it twice.
    expect(harness.calls(id).filter((c) => c.stepId === VIP)).toHaveLength(1);

    harness.heal(id, VIP);
    await decide(harness.client, id, { by: 'oncall', decision: 'retry', stepId: VIP, reason: 'dc1 released it' });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failback');
    expect(record.steps.find((s) => s.id === VIP)).toMatchObject({ status: 'succeeded', attempts: 1, runs: 2 });
    expect(harness.calls(id).filter((c) => c.stepId === VIP)).toHaveLength(2);
  });
});

describe("a team's parallel block", () => {
  const block = (id: string) => ({
    id,
    phase: 'preparation',
    segment: 'backups',
    title: `Backup check ${id}`,
    command: ['check', id],
    parallel: 'backup-checks',
  });

  it('runs its steps at once: the later one finishes while the failed one waits for a decision', async () => {
    const id = await harness.start('team-block', { edit: addSteps(block('db-dump'), block('vm-snapshots')) });
    harness.fail(id, 'preparation.db-dump', 'exit 2: no dump since yesterday');

    const asked = await harness.waitFor(
      id,
      (r) =>
        r.pending?.kind === 'decision' &&
        r.steps.find((s) => s.id === 'preparation.vm-snapshots')?.status === 'succeeded',
    );
    // Run one after another, vm-snapshots (second in the plan) could not have run before db-dump's decision.
    expect(asked.pending).toMatchObject({ id: 'preparation.db-dump' });
    expect(asked.decisions).toEqual([]);
    const [dump, snapshots] = ['preparation.db-dump', 'preparation.vm-snapshots'].map((stepId) =>
      asked.steps.find((s) => s.id === stepId),
    );
    expect(dump).toMatchObject({ block: snapshots?.block, lane: 'preparation.db-dump', status: 'failed' });
    expect(snapshots).toMatchObject({ lane: 'preparation.vm-snapshots' });

    await decide(harness.client, id, {
      by: 'oncall',
      decision: 'skip',
      stepId: 'preparation.db-dump',
      reason: 'the DBA confirmed a dump from 02:00 by hand',
    });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-pre-reboot');
    expect(record.steps.find((s) => s.id === 'preparation.db-dump')?.status).toBe('skipped');
  });
});

describe('stop conditions scoped to phases, on the serving site', () => {
  const CONDITION = 'stop-condition.error-rate';

  it('are asked only before the destructive steps of their phases, each on the site that phase moves to', async () => {
    const id = await harness.start('stop-scoped', {
      edit: (plan) => {
        plan.stopConditions = [
          {
            id: 'error-rate',
            title: 'The error rate is low',
            command: ['error-rate'],
            site: 'serving',
            phases: ['failover', 'failback'],
          },
        ];
      },
    });
    await harness.approveUntil(id, 'signoff');

    const calls = harness.calls(id);
    const asked = calls
      .map((call, i) => (call.stepId === CONDITION ? { site: call.site, before: calls[i + 1]?.stepId } : undefined))
      .filter(Boolean);
    // Not in pre-reboot; on dc2 before the failover's changes, on dc1 before the failback's.
    expect(asked).toEqual([
      ...STEPS.failover.map((before) => ({ site: 'secondary', before })),
      ...STEPS.failback.map((before) => ({ site: 'primary', before })),
    ]);
    expect(harness.ran(id)).toEqual(expect.arrayContaining([...STEPS['pre-reboot']]));
    const record = await harness.record(id);
    expect(record.stopConditions).toEqual([
      expect.objectContaining({ id: 'error-rate', title: 'The error rate is low (on dc1)', ok: true }),
    ]);
  });
});

describe('a gate with roles', () => {
  const withRoles = (plan: Doc): void => {
    plan.approvals = {
      ...(plan.approvals as Doc),
      approvers: [
        { id: 'alice', roles: ['dba'] },
        { id: 'bob', roles: ['change-manager'] },
        { id: 'carol', roles: ['dba'] },
      ],
      gates: { failover: { roles: ['dba', 'change-manager'] } },
    };
  };

  it('needs one approval per role; an approval filling none is refused through every door and kept', async () => {
    const id = await harness.start('gate-roles', { requestedBy: 'oncall', edit: withRoles });
    // pre-reboot has no rule of its own: the plan's quorum of 1, any approver.
    const atGate = await harness.approveUntil(id, 'approve-failover');
    expect(atGate.pending).toMatchObject({
      id: 'approve-failover',
      quorum: 2,
      roles: ['dba', 'change-manager'],
      approvers: ['alice', 'bob', 'carol'],
    });

    expect(await approve(harness.client, id, { by: 'carol' })).toMatchObject({
      message: 'carol approved approve-failover; 1 more approval(s) needed',
    });
    const reason =
      'alice holds none of the roles the failover gate still needs (change-manager); it waits for an approval by bob';
    await expect(approve(harness.client, id, { by: 'alice' })).rejects.toEqual(new DrillRefused(reason));
    await expect(approve(harness.client, id, { by: 'alice', channel: 'slack' })).rejects.toEqual(
      new DrillRefused(reason),
    );
    await harness.client.workflow.getHandle(id).signal(approveSignal, { by: 'alice' });
    const refused = await harness.waitFor(id, (r) => r.refusals.length === 3);
    expect(refused.refusals.map(({ by, action, reason: why, via }) => [by, action, why, via])).toEqual([
      ['alice', 'approve', reason, 'cli'],
      ['alice', 'approve', reason, 'slack'],
      ['alice', 'approve', reason, 'ui'],
    ]);
    expect(refused.pending).toMatchObject({ id: 'approve-failover', approvedBy: ['carol'] });
    expect(harness.ran(id)).not.toContain(STEPS.failover[0]);

    await approve(harness.client, id, { by: 'bob' });
    const record = await harness.waitFor(id, (r) => r.pending?.id === 'approve-failback');
    expect(record.approvals.filter((a) => a.gate === 'approve-failover').map((a) => a.by)).toEqual(['carol', 'bob']);
    // The record (and so the report's approval rules) says what the gate needed.
    expect(record.plan?.gateRules).toEqual(['failover: 2 of alice, bob, carol, one per role: dba, change-manager']);
    expect(harness.ran(id)).toEqual(expect.arrayContaining([...STEPS.failover]));
  });

  it('refuses at the start a starter whom four-eyes bars from a gate nobody else could approve', async () => {
    const id = await harness.start('gate-unapprovable', {
      requestedBy: 'bob',
      edit: (plan) => {
        withRoles(plan);
        (plan.approvals as Doc).gates = { failover: { approvers: ['alice', 'bob'], roles: ['dba', 'change-manager'] } };
      },
    });

    await expect(harness.ending(id)).rejects.toBeInstanceOf(WorkflowFailedError);
    const record = await harness.record(id);
    expect(record).toMatchObject({
      status: 'refused',
      outcome:
        'Refused, nothing ran: nobody could approve this drill as bob starts it: the failover gate needs 2 approvals but has 2 approver(s) (alice, bob), and bob started this drill, so under fourEyes cannot approve it: nobody could approve it. Nothing ran; start it as someone else (an operator), or change approvals.',
    });
    expect(harness.calls(id)).toEqual([]);
  });
});
