/**
 * The evidence report's content, independent of format: what an auditor asks for after a DR test
 * (who, what, when, whether the objectives held, who approved each change), as blocks that the
 * Markdown and HTML renderers lay out.
 */
import { formatDuration } from '../../kinds/kit/schema/duration';
import { clock, factsText, spanOf, stamp, took } from './format';
import { waitsOf, type Timeline } from './timeline';
import { type AuditEntry, type DrillRecord, FINAL_STATUSES, type Measurement, type StepRecord } from '../../domain';

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'fields'; rows: [string, string][] }
  | { type: 'table'; head: string[]; rows: string[][] }
  | { type: 'timeline' }
  | { type: 'facts'; items: { title: string; text: string }[] };

const MODE_WORDS: Record<DrillRecord['mode'], string> = {
  drill: 'drill (planned switchover to the secondary and back)',
  failover: 'failover (a real outage: service moved to the secondary)',
  failback: 'failback (service moved back to the primary)',
  reprotect: "reprotect (the lost site made the serving site's replica; no service moved)",
};

const OUTCOME_WORDS: Record<StepRecord['status'], string> = {
  pending: 'not run',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'FAILED',
  skipped: 'skipped',
  'best-effort-failed': 'failed, passed over',
};

function objectiveRow(name: string, m: Measurement | undefined, objectiveMs: number | undefined): string[] {
  const target = objectiveMs === undefined ? 'none set' : formatDuration(objectiveMs);
  if (!m) return [name, target, 'not measured', '—', 'the drill did not reach the steps that measure it'];
  const verdict = m.met === undefined ? 'no objective' : m.met ? 'met' : 'MISSED';
  return [
    name,
    target,
    m.measuredMs === undefined ? 'unknown' : formatDuration(m.measuredMs),
    verdict,
    m.evidence + (m.from && m.to ? ` (${clock(m.from)} → ${clock(m.to)})` : ''),
  ];
}

function stepOutcome(step: StepRecord, at: (iso?: string) => string): string {
  const words = OUTCOME_WORDS[step.status];
  const detail = step.summary ?? step.error;
  const earlier = (step.previousRuns ?? []).map(
    (r) =>
      ` Earlier run ${at(r.startedAt)} → ${at(r.endedAt)}: ${OUTCOME_WORDS[r.status]} after ${r.attempts} attempt(s)${r.error ? `: ${r.error}` : ''}.`,
  );
  return `${detail ? `${words}: ${detail}` : words}${earlier.join('')}`;
}

const AUDIT_WORDS: Record<AuditEntry['kind'], string> = {
  'wrong-id-start': 'start under a wrong workflow ID',
  'duplicate-start': 'second start while a drill ran',
  'slack-bad-signature': 'Slack request with a bad signature',
  'slack-stale': 'Slack request outside the five-minute window',
  'slack-replay': 'Slack request replayed',
  'slack-unknown-user': 'Slack click by a user the plan does not know',
};

/**
 * Every refusal: the requests the drill itself refused (its record), and those refused before they
 * reached it, from the target's audit trail over the drill's span (starts, forged or replayed Slack requests).
 */
function refusedBlocks(record: DrillRecord, audit: AuditEntry[], at: (iso?: string) => string): Block[] {
  const blocks: Block[] = [{ type: 'heading', level: 2, text: 'Refused' }];
  blocks.push(
    record.refusals.length
      ? {
          type: 'table',
          head: ['At', 'By', 'Tried to', 'Via', 'Refused because'],
          rows: record.refusals.map((r) => [at(r.at), r.by, r.action, r.via ?? '', r.reason]),
        }
      : { type: 'paragraph', text: 'The drill refused no request.' },
  );
  blocks.push({
    type: 'paragraph',
    text: `Refused before reaching the drill (the audit trail of ${record.target} while it ran):`,
  });
  blocks.push(
    audit.length
      ? {
          type: 'table',
          head: ['At', 'What', 'By', 'Via', 'Refused because'],
          rows: audit.map((e) => [
            at(e.at),
            AUDIT_WORDS[e.kind] ?? e.kind,
            e.by ?? (e.from ? `unknown, from ${e.from}` : 'unknown'),
            e.via,
            e.reason,
          ]),
        }
      : { type: 'paragraph', text: 'None in the audit trail.' },
  );
  return blocks;
}

export function buildDocument(
  record: DrillRecord,
  timeline: Timeline,
  generatedAt: string,
  audit: AuditEntry[] = [],
): Block[] {
  const final = FINAL_STATUSES.includes(record.status);
  const multiDay = record.startedAt.slice(0, 10) !== (record.endedAt ?? generatedAt).slice(0, 10);
  const at = (iso?: string) => clock(iso, multiDay);
  const plan = record.plan;
  const blocks: Block[] = [{ type: 'heading', level: 1, text: `DR ${record.mode} report: ${record.target}` }];
  if (!final)
    blocks.push({
      type: 'paragraph',
      text: `Interim report: the drill is still ${record.status}. Times up to ${stamp(generatedAt)}.`,
    });

  blocks.push({
    type: 'fields',
    rows: [
      ['Drill', record.drillId],
      ['Target', `${record.target}${plan ? ` (${plan.platform})` : ''}`],
      ['Mode', MODE_WORDS[record.mode]],
      ['Sites', plan ? `primary ${plan.sites.primary}, secondary ${plan.sites.secondary}` : '—'],
      ['Requested by', record.requestedBy],
      ['Reason', record.reason ?? '—'],
      ['Started', stamp(record.startedAt)],
      ['Ended', record.endedAt ? stamp(record.endedAt) : 'still running'],
      ['Duration', took(timeline.totals.totalMs)],
      ['Status', record.status],
      ['Outcome', record.outcome ?? '—'],
      [
        'Approval rules',
        plan
          ? `approvers ${plan.approvers.join(', ')}; quorum ${plan.quorum}; four-eyes ${plan.fourEyes ? 'on (whoever starts a drill may not approve it)' : 'off'}${plan.gateRules?.length ? `; gates of their own: ${plan.gateRules.join('; ')}` : ''}`
          : '—',
      ],
    ],
  });

  blocks.push({ type: 'heading', level: 2, text: 'Recovery objectives' });
  blocks.push({
    type: 'table',
    head: ['Objective', 'Target', 'Measured', 'Result', 'How it was measured'],
    rows: [
      objectiveRow('RTO (time to recover)', record.rto, plan?.objectives.rtoMs),
      objectiveRow('RPO (data loss)', record.rpo, plan?.objectives.rpoMs),
      // Drills of plans with tip.protection: the test indicator served again where consumers read it.
      ...(record.protection || plan?.objectives.protectionMs !== undefined
        ? [
            objectiveRow(
              'Time to protection (indicators served again)',
              record.protection,
              plan?.objectives.protectionMs,
            ),
          ]
        : []),
    ],
  });

  const { totals } = timeline;
  blocks.push({ type: 'heading', level: 2, text: 'Timeline' });
  blocks.push({
    type: 'fields',
    rows: [
      ['Total', took(totals.totalMs)],
      ['Machine time (steps running)', took(totals.machineMs)],
      ['Waiting for people (approvals, decisions, manual tasks)', took(totals.peopleMs)],
      ['Other (orchestration, notifications, retry back-off)', took(totals.otherMs)],
    ],
  });
  blocks.push({ type: 'timeline' });

  blocks.push({ type: 'heading', level: 2, text: 'Approvals' });
  blocks.push(
    record.approvals.length
      ? {
          type: 'table',
          head: ['Gate', 'Decision', 'By', 'At', 'Via', 'Comment'],
          rows: record.approvals.map((a) => [a.gate, a.decision, a.by, at(a.at), a.via, a.comment ?? '']),
        }
      : { type: 'paragraph', text: 'No approvals were given.' },
  );

  const waits = waitsOf(record, timeline.end);
  if (waits.length) {
    blocks.push({ type: 'heading', level: 2, text: 'Time spent waiting for people' });
    blocks.push({
      type: 'table',
      head: ['Waited for', 'Gate or step', 'Opened', 'Closed', 'Waited', 'Result'],
      rows: waits.map((w) => [
        w.kind,
        w.id,
        at(w.from),
        w.open ? 'still open' : at(w.to),
        took(spanOf(w.from, w.to)),
        w.open ? 'open' : `${w.result}${w.by ? ` by ${w.by}` : ''}`,
      ]),
    });
    const reminders = record.reminders.length;
    if (reminders)
      blocks.push({
        type: 'paragraph',
        text: `${reminders} reminder(s) were sent: ${record.reminders.map((r) => `${r.id} at ${at(r.at)}`).join(', ')}.`,
      });
  }

  if (record.decisions.length) {
    blocks.push({ type: 'heading', level: 2, text: 'Operator decisions on failed steps' });
    blocks.push({
      type: 'table',
      head: ['Step', 'Decision', 'By', 'At', 'Via', 'Reason'],
      rows: record.decisions.map((d) => [d.stepId, d.decision, d.by, at(d.at), d.via, d.reason ?? '']),
    });
  }
  if (record.tasks.length) {
    blocks.push({ type: 'heading', level: 2, text: 'Manual tasks' });
    blocks.push({
      type: 'table',
      head: ['Task', 'Opened', 'Completed by', 'At', 'Via', 'Note'],
      rows: record.tasks.map((t) => [
        t.stepId,
        at(t.openedAt),
        t.completedBy ?? 'not completed',
        at(t.completedAt),
        t.via ?? '',
        t.note ?? '',
      ]),
    });
  }
  if (record.adoptions?.length) {
    // An upgrade moved the drill to another worker build: the auditor sees on which code it went on.
    blocks.push({ type: 'heading', level: 2, text: 'Worker builds' });
    blocks.push({
      type: 'table',
      head: ['At', 'Moved', 'By worker'],
      rows: record.adoptions.map((a) => [at(a.at), a.summary, a.by]),
    });
  }
  blocks.push(...refusedBlocks(record, audit, at));

  blocks.push({ type: 'heading', level: 2, text: 'Phases and steps' });
  for (const phase of record.phases) {
    blocks.push({ type: 'heading', level: 3, text: `${phase.id}: ${phase.status}` });
    blocks.push({
      type: 'paragraph',
      text: `${phase.title}. ${phase.startedAt ? `Ran ${at(phase.startedAt)} → ${phase.endedAt ? at(phase.endedAt) : 'now'} (${took(spanOf(phase.startedAt, phase.endedAt ?? new Date(timeline.end).toISOString()))}).` : 'Did not run.'}`,
    });
    const steps = record.steps.filter((s) => s.phase === phase.id);
    if (steps.length) {
      blocks.push({
        type: 'table',
        head: ['Step', 'Site', 'Start', 'End', 'Took', 'Attempts', 'Outcome'],
        rows: steps.map((s) => [
          `${s.title}${s.destructive ? ' (changes the site)' : ''}`,
          s.site ?? '',
          at(s.startedAt),
          at(s.endedAt),
          took(spanOf(s.startedAt, s.endedAt)),
          s.runs > 1 ? `${s.attempts} (run ${s.runs})` : String(s.attempts),
          stepOutcome(s, at),
        ]),
      });
    }
  }

  const facts = record.steps
    .map((s) => ({ title: `${s.id}`, text: factsText(s.facts) }))
    .filter((f): f is { title: string; text: string } => Boolean(f.text));
  if (facts.length) {
    blocks.push({ type: 'heading', level: 2, text: 'Facts observed by each step' });
    blocks.push({ type: 'facts', items: facts });
  }
  blocks.push({
    type: 'paragraph',
    text: `Generated ${stamp(generatedAt)} by Drillbook from the drill's Temporal record (workflow ${record.drillId}).`,
  });
  return blocks;
}
