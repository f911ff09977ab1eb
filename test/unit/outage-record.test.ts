/**
 * The drill's own figures and words in an outage (issue 20), on the time-skipping test server with
 * mocked activities (support/drillHarness.ts): the loss as declared at start (`--lost-at`) or
 * detected (the first failing check of the primary, else the drill's start); RTO from the loss to
 * the first check that saw the new site serve; RPO from what the new side holds (a step's
 * `newestReplicatedAt`), never decided by a canary the dead side could not take; endings that say
 * where service is and offer no way back when nothing was promoted; a client's evidence attached
 * at the sign-off and refused once the drill ended.
 */
import { readFileSync } from 'node:fs';
import { approve, attachEvidence, decide, DrillRefused, reject } from '../../src/drills';
import { declaredLoss } from '../../src/commands/drill';
import { UsageError } from '../../src/commands/errors';
import { parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import { startHarness, type Harness } from './support/drillHarness';
import type { ClientEvidence, DrillRecord, Plan } from '../../domain';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterEach(() => harness.terminateRunning());
afterAll(() => harness?.stop());

const STOP_OLD = 'failover.app.stop.primary';
const PROMOTE = 'failover.app.start.secondary';
const SERVES = 'failover-check.app.health.secondary';
const objectives = (plan: Record<string, unknown>): void => {
  plan.objectives = { rto: '10m', rpo: '1m' };
};
const iso = (ms: number): string => new Date(ms).toISOString();

/** A failover approved by bob, waiting at its sign-off. */
async function atSignOff(id: string): Promise<DrillRecord> {
  return harness.approveUntil(id, 'signoff');
}

describe('the loss an outage counts from', () => {
  it('declared at start: RTO runs from it to the end of the first check that saw the new site serve', async () => {
    const lostAt = Date.now() - 120_000;
    const id = await harness.start('loss-declared', {
      mode: 'failover',
      edit: objectives,
      siteLoss: { at: lostAt, how: 'declared', by: 'alice' },
    });
    const record = await atSignOff(id);
    const served = record.steps.find((s) => s.id === SERVES);
    expect(record.siteLoss).toEqual({ at: lostAt, how: 'declared', by: 'alice' });
    expect(record.rto).toMatchObject({
      from: iso(lostAt),
      to: served?.endedAt,
      measuredMs: Date.parse(served?.endedAt ?? '') - lostAt,
      objectiveMs: 600_000,
      met: true,
    });
    expect(record.rto?.evidence).toBe(
      `from the loss of dc1 (declared by alice at start) to the end of "${served?.title}", the first check that saw dc2 serve`,
    );
    // Two minutes before the drill started: the RTO is not counted from the drill's first step.
    expect(record.rto?.measuredMs).toBeGreaterThanOrEqual(120_000);
  });

  it('detected: the first failing check of the primary, from the moment it began, says so', async () => {
    const id = await harness.start('loss-detected', { mode: 'failover', edit: objectives });
    harness.fail(id, STOP_OLD, 'exit 255: ssh: connect to host dc1: No route to host');
    const record = await atSignOff(id);
    const failed = record.steps.find((s) => s.id === STOP_OLD);
    expect(failed?.status).toBe('best-effort-failed');
    expect(record.siteLoss).toEqual({
      at: Date.parse(failed?.startedAt ?? ''),
      how: 'detected',
      by: `the first failing check of dc1 the drill saw, "${failed?.title}" (exit 255: ssh: connect to host dc1: No route to host)`,
    });
    expect(record.rto?.from).toBe(failed?.startedAt);
    expect(record.rto?.evidence).toContain('(detected: the first failing check of dc1 the drill saw');
  });

  it("detected from the drill's start when no check of the primary failed before the new site served", async () => {
    const id = await harness.start('loss-at-start', { mode: 'failover', edit: objectives });
    const record = await atSignOff(id);
    expect(record.siteLoss).toEqual({
      at: Date.parse(record.startedAt),
      how: 'detected',
      by: "no check of dc1 failed before the new site served, so the drill's start",
    });
    expect(record.rto?.from).toBe(iso(Date.parse(record.startedAt)));
  });

  it('refuses a declared loss in a planned drill, and one in the future, before anything runs', async () => {
    const planned = await harness.start('loss-planned', { siteLoss: { at: Date.now(), how: 'declared', by: 'alice' } });
    const refused = await harness.waitFor(planned, (r) => r.status === 'refused');
    expect(refused.outcome).toBe(
      'Refused, nothing ran: invalid drill input: siteLoss: a site loss is declared only for a failover (a real outage), not a planned drill',
    );
    const future = Date.now() + 3_600_000;
    const ahead = await harness.start('loss-future', {
      mode: 'failover',
      siteLoss: { at: future, how: 'declared', by: 'alice' },
    });
    const refusedAhead = await harness.waitFor(ahead, (r) => r.status === 'refused');
    expect(refusedAhead.outcome).toContain(`siteLoss.at: ${iso(future)} is in the future`);
    expect(harness.ran(planned)).toEqual([]);
    expect(harness.ran(ahead)).toEqual([]);
  });
});

describe('--lost-at on the command line (exit 2 naming the flag and what it takes)', () => {
  const now = Date.parse('2026-12-07T21:10:00Z');
  it('takes an ISO time, epoch ms or now, in failover mode', () => {
    expect(declaredLoss('2026-12-07T21:03:05Z', 'failover', 'alice', now)).toEqual({
      at: Date.parse('2026-12-07T21:03:05Z'),
      how: 'declared',
      by: 'alice',
    });
    expect(declaredLoss('1796677385000', 'failover', 'alice', now).at).toBe(1796677385000);
    expect(declaredLoss('now', 'failover', 'alice', now).at).toBe(now);
  });
  it('refuses other modes, the future and what is not a time', () => {
    expect(() => declaredLoss('now', 'drill', 'alice', now)).toThrow(UsageError);
    expect(() => declaredLoss('now', 'drill', 'alice', now)).toThrow(/--lost-at is for --mode failover/);
    expect(() => declaredLoss('2026-12-07T22:10:00Z', 'failover', 'alice', now)).toThrow(
      '--lost-at: 2026-12-07T22:10:00.000Z is in the future; a loss is declared once it happened',
    );
    expect(() => declaredLoss('yesterday', 'failover', 'alice', now)).toThrow(
      '--lost-at: "yesterday" is not a time; it takes an ISO time (2026-12-07T21:03:05Z), epoch milliseconds or now',
    );
  });
});

describe('the RPO of an outage', () => {
  it('comes from what the new side holds: the loss minus the newest write it replicated, with the basis', async () => {
    const lostAt = Date.now() - 60_000;
    const id = await harness.start('rpo-replicated', {
      mode: 'failover',
      edit: objectives,
      siteLoss: { at: lostAt, how: 'declared', by: 'alice' },
    });
    // The promote step reports it, as the MariaDB and PostgreSQL steps do (helper db).
    harness.report(id, PROMOTE, {
      newestReplicatedAt: iso(lostAt - 1500),
      rpoBasis: "dc2's last replayed transaction (pg_last_xact_replay_timestamp)",
    });
    const record = await atSignOff(id);
    expect(record.rpo).toEqual({
      measuredMs: 1500,
      objectiveMs: 60_000,
      met: true,
      from: iso(lostAt - 1500),
      to: iso(lostAt),
      evidence: `dc2 holds the lost primary's writes of app up to ${iso(lostAt - 1500)} (dc2's last replayed transaction (pg_last_xact_replay_timestamp)); the primary was lost at ${iso(lostAt)} (declared by alice at start), so at most 1.5 s of writes before it are lost (the oldest, app)`,
    });
  });

  it('is not "not met" from a canary the dead side could not take; it says why and decides nothing', async () => {
    const lostAt = Date.now() - 60_000;
    const id = await harness.start('rpo-canary-unwritten', {
      mode: 'failover',
      edit: objectives,
      siteLoss: { at: lostAt, how: 'declared', by: 'alice' },
    });
    harness.fail(id, STOP_OLD, 'exit 255: dc1 does not answer');
    harness.report(id, SERVES, { rpoEvidence: { canaryFound: false, detail: 'canary c1 was NOT found on dc2' } });
    harness.report(id, PROMOTE, { newestReplicatedAt: iso(lostAt - 800), rpoBasis: 'last applied event' });
    const record = await atSignOff(id);
    expect(record.rpo?.met).toBe(true);
    expect(record.rpo?.measuredMs).toBe(800);
    expect(record.rpo?.evidence).toContain('; app: canary not written: the primary was lost');
  });

  it('without what the new side holds, an unwritten canary leaves the RPO unknown, not missed', async () => {
    const id = await harness.start('rpo-unknown', { mode: 'failover', edit: objectives });
    harness.report(id, SERVES, { rpoEvidence: { canaryFound: false, detail: 'canary c1 was NOT found on dc2' } });
    const record = await atSignOff(id);
    expect(record.rpo).toEqual({
      objectiveMs: 60_000,
      evidence: 'app: canary not written: the primary was lost',
    });
  });

  it('still fails closed on a canary that was written and is missing', async () => {
    const id = await harness.start('rpo-canary-lost', { mode: 'failover', edit: objectives });
    harness.report(id, PROMOTE, { canary: { id: 'c1', site: 'dc1' } });
    harness.report(id, SERVES, { rpoEvidence: { canaryFound: false, detail: 'canary c1 was NOT found on dc2' } });
    const record = await atSignOff(id);
    expect(record.rpo).toMatchObject({ met: false, evidence: 'canary c1 was NOT found on dc2' });
  });
});

describe('how an outage ends', () => {
  it('aborted before any promotion: no way back offered, and no site claimed to serve', async () => {
    const id = await harness.start('outage-abort-early', { mode: 'failover' });
    // The dead primary's stop "succeeds" (its processes are gone already): that changed nothing.
    harness.fail(id, PROMOTE, 'exit 1: dc2 will not start: its cluster has no manager');
    await harness.approveUntil(id);
    await harness.waitFor(id, (r) => r.pending?.id === PROMOTE);
    await decide(harness.client, id, { by: 'oncall', decision: 'abort', reason: 'search tier gone' });
    const record = await harness.ending(id);
    expect(record.status).toBe('aborted');
    expect(record.outcome).toBe(
      `oncall aborted the drill at step ${PROMOTE}. As far as the drill knows, nothing was promoted; the primary (dc1) was lost, so no site serves.`,
    );
    expect(record.outcome).not.toContain('service stays on');
    expect(record.approvals.map((a) => a.gate)).not.toContain('rollback');
    expect(harness.told(id).some((e) => e.type === 'gate-opened' && e.pending.id === 'rollback')).toBe(false);
  });

  it('aborted after the promotion but before any check saw the new site serve: says exactly that', async () => {
    const id = await harness.start('outage-abort-late', { mode: 'failover' });
    harness.fail(id, SERVES, 'exit 1: dc2 answers 502');
    await harness.approveUntil(id);
    await harness.waitFor(id, (r) => r.pending?.id === SERVES);
    await decide(harness.client, id, { by: 'oncall', decision: 'abort' });
    await harness.waitFor(id, (r) => r.pending?.id === 'rollback');
    await reject(harness.client, id, { by: 'carol', gate: 'rollback', comment: 'dc1 is gone' });
    const record = await harness.ending(id);
    expect(record.outcome).toBe(
      `oncall aborted the drill at step ${SERVES}; the way back to the primary was not approved. As far as the drill knows, dc2 was promoted but no check saw it serve, and dc1 was lost, so no site is known to serve.`,
    );
  });

  it('signed off: says the new site serves and which check saw it', async () => {
    const id = await harness.start('outage-signed', { mode: 'failover' });
    await atSignOff(id);
    await approve(harness.client, id, { by: 'carol', gate: 'signoff' });
    const record = await harness.ending(id);
    expect(record.status).toBe('succeeded');
    expect(record.outcome).toMatch(/As far as the drill knows, service is on dc2 \(its check ".*" saw it serve\)\.$/);
  });
});

describe("a client's evidence", () => {
  const evidence = (lossAt: number): ClientEvidence => ({
    client: 'stand-in TIP app indicators through :18081 then :18082',
    lossAt,
    acknowledged: 412,
    lastAckBeforeLossAt: lossAt - 80,
    firstAckAfterLossAt: lossAt + 43_000,
    downtimeMs: 43_080,
    lost: { count: 0, windowMs: 0 },
    writers: { pairs: ['tip-db', 'tip-pg'], samples: 900, twoWriterSamples: 0, intervalMs: 100 },
  });

  it('is attached at the sign-off and kept in the record; bad fields and an ended drill are refused', async () => {
    const lostAt = Date.now() - 60_000;
    const id = await harness.start('evidence', {
      mode: 'failover',
      siteLoss: { at: lostAt, how: 'declared', by: 'alice' },
    });
    await atSignOff(id);
    const bad = { ...evidence(lostAt), lost: { count: -1, windowMs: 0 } };
    await expect(
      attachEvidence(harness.client, id, { by: 'harness', evidence: bad as ClientEvidence }),
    ).rejects.toThrow('invalid evidence: lost.count: expected a whole number of writes, 0 or more');

    const answer = await attachEvidence(harness.client, id, { by: 'harness', evidence: evidence(lostAt) });
    expect(answer.message).toBe(
      `${id} keeps harness's evidence from stand-in TIP app indicators through :18081 then :18082: downtime 43.1 s, 0 of 412 acknowledged writes lost`,
    );
    await approve(harness.client, id, { by: 'carol', gate: 'signoff' });
    const record = await harness.ending(id);
    expect(record.clientEvidence).toEqual([{ evidence: evidence(lostAt), by: 'harness', at: expect.any(String) }]);
    expect(harness.reports.find((r) => r.drillId === id)?.clientEvidence?.[0].evidence.downtimeMs).toBe(43_080);

    await expect(attachEvidence(harness.client, id, { by: 'harness', evidence: evidence(lostAt) })).rejects.toThrow(
      DrillRefused,
    );
    await expect(attachEvidence(harness.client, id, { by: 'harness', evidence: evidence(lostAt) })).rejects.toThrow(
      /has ended \(completed\): evidence is attached to a drill while it runs/,
    );
  });
});

describe("a switch's health segment", () => {
  it("asks what users reach first, so a slow check of another tier cannot hold the RTO's end", () => {
    const parsed = parsePlan(readFileSync('plans/lab.yaml', 'utf8'));
    if (!parsed.ok) throw new Error('plans/lab.yaml is not valid');
    const plan: Plan = parsed.plan;
    for (const mode of ['drill', 'failover'] as const) {
      const check = compileRunbook(plan, mode).phases.find((p) => p.id === 'failover-check');
      const health = check?.steps.filter((s) => s.segment === 'health') ?? [];
      expect(health[0]).toMatchObject({ id: 'failover-check.app.health.secondary', marks: ['rto-end'] });
      expect(health.map((s) => s.id)).toContain('failover-check.tip-search.health.secondary');
    }
    // As drills that compiled in the workflow did: the tiers in their start order.
    const before = compileRunbook(plan, 'failover', { servingChecksFirst: false }).phases.find(
      (p) => p.id === 'failover-check',
    );
    expect(before?.steps[0].id).toBe('failover-check.tip-db.health.secondary');
  });
});
