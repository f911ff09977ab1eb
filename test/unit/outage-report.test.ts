/**
 * The report of an outage drill, rendered from a known record (pure): the loss and the time before
 * the drill on the timeline, which starts at the loss; the client's truth beside the drill's own
 * figures and the plan's objectives; the writes to reconcile the reprotect step found.
 */
import { renderReport } from '../../render/report';
import { buildTimeline } from '../../render/report/timeline';
import type { DrillRecord } from '../../domain';

const t = (s: number) => new Date(Date.UTC(2026, 11, 7, 21, 0, 0) + s * 1000).toISOString();
const ms = (s: number) => Date.parse(t(s));

/** A failover started 23 s after dc1 was lost (declared by alice), dc2 serving at 43 s, a client's evidence attached. */
function outageRecord(): DrillRecord {
  return {
    drillId: 'drill-lab',
    target: 'lab',
    mode: 'failover',
    requestedBy: 'alice',
    startedAt: t(23),
    endedAt: t(600),
    status: 'succeeded',
    plan: {
      platform: 'threatconnect',
      sites: { primary: 'lab-dc1', secondary: 'lab-dc2' },
      approvers: ['alice', 'bob', 'carol'],
      fourEyes: true,
      quorum: 2,
      objectives: { rtoMs: 600_000, rpoMs: 60_000 },
    },
    phases: [
      { id: 'failover', title: 'Failover', status: 'done', startedAt: t(30), endedAt: t(40) },
      { id: 'failover-check', title: 'Failover check', status: 'done', startedAt: t(40), endedAt: t(560) },
    ],
    steps: [
      {
        id: 'failover.tip-db.promote.secondary',
        phase: 'failover',
        title: 'Promote tip-db on lab-dc2',
        action: 'mysqlPromote',
        component: 'tip-db',
        site: 'secondary',
        destructive: true,
        status: 'succeeded',
        startedAt: t(30),
        endedAt: t(38),
        attempts: 1,
        runs: 1,
        facts: {
          newestReplicatedAt: t(-0.5),
          rpoBasis: 'the last event lab-dc2 applied',
          writesToReconcile: [
            {
              position: '0-1-4711',
              at: t(-0.2),
              rows: ["INSERT INTO indicators (id, value) VALUES (88, '203.0.113.9')"],
            },
          ],
        },
      },
      {
        id: 'failover-check.app.health.secondary',
        phase: 'failover-check',
        title: 'Check app is healthy on lab-dc2',
        action: 'checkHttp',
        component: 'app',
        site: 'secondary',
        destructive: false,
        status: 'succeeded',
        startedAt: t(41),
        endedAt: t(43),
        attempts: 1,
        runs: 1,
      },
    ],
    approvals: [{ gate: 'approve-failover', decision: 'approved', by: 'bob', at: t(29), via: 'cli' }],
    decisions: [],
    tasks: [],
    refusals: [],
    reminders: [],
    waits: [
      { kind: 'approval', id: 'approve-failover', phase: 'failover', from: t(24), to: t(29), result: 'approved' },
    ],
    pending: null,
    siteLoss: { at: ms(0), how: 'declared', by: 'alice' },
    rto: {
      measuredMs: 43_000,
      objectiveMs: 600_000,
      met: true,
      from: t(0),
      to: t(43),
      evidence:
        'from the loss of lab-dc1 (declared by alice at start) to the end of "Check app is healthy on lab-dc2", the first check that saw lab-dc2 serve',
    },
    rpo: { measuredMs: 500, objectiveMs: 60_000, met: true, from: t(-0.5), to: t(0), evidence: 'lab-dc2 holds …' },
    clientEvidence: [
      {
        by: 'harness',
        at: t(590),
        evidence: {
          client: 'stand-in TIP app indicators through :18081 then :18082',
          lossAt: ms(0),
          acknowledged: 612,
          lastAckBeforeLossAt: ms(-0.08),
          firstAckAfterLossAt: ms(43),
          downtimeMs: 43_080,
          lost: { count: 2, firstAt: ms(-0.3), lastAt: ms(-0.1), windowMs: 200 },
          writers: { pairs: ['tip-db', 'tip-pg'], samples: 5900, twoWriterSamples: 0, intervalMs: 100 },
        },
      },
    ],
    outcome:
      'The failover of lab succeeded. As far as the drill knows, service is on lab-dc2 (its check "Check app is healthy on lab-dc2" saw it serve).',
  };
}

describe('the report of an outage drill', () => {
  it('starts its timeline at the loss and draws the outage until the new site served, the wait before the drill and the client downtime', () => {
    const timeline = buildTimeline(outageRecord());
    // The client's last acknowledged write before the loss is the earliest moment it shows.
    expect(timeline.start).toBe(ms(-0.08));
    // The drill's own duration still runs from its start.
    expect(timeline.totals.totalMs).toBe(577_000);
    const [outage, before, client] = timeline.rows;
    expect(outage).toMatchObject({ label: 'lab-dc1 lost; lab-dc2 served after 43s', level: 0 });
    expect(outage.bars[0]).toMatchObject({ from: ms(0), to: ms(43), kind: 'outage' });
    expect(before.bars[0]).toMatchObject({ from: ms(0), to: ms(23) });
    expect(client.bars[0]).toMatchObject({ from: ms(-0.08), to: ms(43), kind: 'client-downtime' });
    expect(client.label).toMatch(/^client downtime 43\.1s: stand-in TIP app/);
  });

  it("sets the client's truth beside the drill's figures and the objectives, and lists the writes to reconcile", () => {
    const { md, svg, html } = renderReport(outageRecord(), { now: ms(700) });
    expect(md).toContain('## The site loss');
    expect(md).toContain('declared by alice at start');
    expect(md).toContain("## The client's truth: stand-in TIP app indicators through :18081 then :18082");
    expect(md).toMatch(/\| Downtime \| 43\.1s \| RTO 43s \| 10m \|/);
    expect(md).toContain(
      `| Writes lost | 2 of 612 acknowledged writes, acknowledged ${t(-0.3)} → ${t(-0.1)} (window 200ms) | RPO 500ms | 1m |`,
    );
    expect(md).toMatch(/\| Two writers at once \| 0 of 5900 samples \(every 100ms; tip-db, tip-pg\) \|/);
    expect(md).toContain('## Writes to reconcile');
    expect(md).toContain(
      `| 0-1-4711 | ${t(-0.2)} | INSERT INTO indicators (id, value) VALUES (88, '203.0.113.9') | Promote tip-db on lab-dc2 |`,
    );
    expect(svg).toContain('site lost, until the new site served');
    expect(html).toContain('Writes to reconcile');
  });

  it('draws nothing of the kind for a planned drill', () => {
    const planned: DrillRecord = { ...outageRecord(), mode: 'drill', siteLoss: undefined, clientEvidence: undefined };
    planned.steps = planned.steps.map((s) => ({ ...s, facts: undefined }));
    const { md } = renderReport(planned, { now: ms(700) });
    expect(md).not.toContain('The site loss');
    expect(md).not.toContain('Writes to reconcile');
    expect(buildTimeline(planned).start).toBe(ms(23));
  });
});
