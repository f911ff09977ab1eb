/** The drill record as a terminal view: what ran, what waits, who approved. */
import { formatDuration } from '../kinds/kit/schema/duration';
import type { DrillRecord, StepStatus } from '../domain';

const MARK: Record<StepStatus, string> = {
  pending: ' ',
  running: '>',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  'best-effort-failed': '~',
};

/** Met, missed, or unknown: a figure the drill could not measure is not a miss. */
const verdict = (met: boolean | undefined): string => (met === undefined ? 'unknown' : met ? 'met' : 'MISSED');

const time = (iso?: string): string => (iso ? iso.slice(11, 19) : '        ');

export function renderRecord(record: DrillRecord): string {
  const lines = [
    `${record.drillId}: ${record.mode} of ${record.target}, requested by ${record.requestedBy} at ${record.startedAt}`,
    `status: ${record.status}${record.currentPhase ? `, phase ${record.currentPhase}` : ''}`,
  ];
  for (const phase of record.phases) {
    lines.push('', `== ${phase.id} (${phase.status})`);
    for (const step of record.steps.filter((s) => s.phase === phase.id)) {
      const took =
        step.startedAt && step.endedAt ? formatDuration(Date.parse(step.endedAt) - Date.parse(step.startedAt)) : '';
      const attempts = step.attempts > 1 ? ` ${step.attempts} attempts` : '';
      lines.push(`  [${MARK[step.status]}] ${time(step.startedAt)} ${step.title} ${took}${attempts}`.trimEnd());
      const detail =
        step.error && step.status !== 'succeeded'
          ? step.error
          : step.status === 'skipped' || step.status === 'best-effort-failed'
            ? step.summary
            : undefined;
      if (detail) lines.push(`        ${detail}`);
    }
    for (const approval of record.approvals.filter((a) => a.gate === `approve-${phase.id}`)) {
      lines.push(
        `  gate: ${approval.decision} by ${approval.by} at ${time(approval.at)}${approval.comment ? ` (${approval.comment})` : ''}`,
      );
    }
  }
  for (const approval of record.approvals.filter((a) => a.gate === 'signoff' || a.gate === 'rollback')) {
    lines.push(
      `${approval.gate}: ${approval.decision} by ${approval.by} at ${time(approval.at)}${approval.comment ? ` (${approval.comment})` : ''}`,
    );
  }
  if (record.pending) {
    const progress =
      record.pending.kind === 'approval'
        ? ` (${record.pending.approvedBy.length}/${record.pending.quorum} approvals${record.pending.roles?.length ? `, one per role: ${record.pending.roles.join(', ')}` : ''}${record.pending.approvers ? `; approvers ${record.pending.approvers.join(', ')}` : ''})`
        : '';
    lines.push(
      '',
      `WAITING for ${record.pending.kind} "${record.pending.id}"${progress} since ${time(record.pending.since)}: ${record.pending.prompt}`,
    );
  }
  if (record.adoptions?.length) lines.push('', ...record.adoptions.map((a) => `${time(a.at)} ${a.summary}`));
  if (record.refusals.length)
    lines.push(
      '',
      ...record.refusals.map(
        (r) => `refused ${r.action} by ${r.by}${r.via ? ` (via ${r.via})` : ''} at ${time(r.at)}: ${r.reason}`,
      ),
    );
  const loss = record.siteLoss;
  const measured = [
    loss &&
      `${record.plan?.sites.primary ?? 'the primary'} lost at ${new Date(loss.at).toISOString()} (${loss.how === 'declared' ? `declared by ${loss.by} at start` : `detected: ${loss.by}`})`,
    record.rto &&
      `RTO ${record.rto.measuredMs !== undefined ? formatDuration(record.rto.measuredMs) : '?'}${record.rto.objectiveMs !== undefined ? ` (objective ${formatDuration(record.rto.objectiveMs)}, ${verdict(record.rto.met)})` : ''}${loss ? `: ${record.rto.evidence}` : ''}`,
    record.rpo &&
      `RPO ${record.rpo.measuredMs !== undefined ? formatDuration(record.rpo.measuredMs) : '?'}${record.rpo.objectiveMs !== undefined ? ` (objective ${formatDuration(record.rpo.objectiveMs)}, ${verdict(record.rpo.met)})` : ''}: ${record.rpo.evidence}`,
    ...(record.clientEvidence ?? []).map(
      ({ evidence: e, by }) =>
        `client (${by}): ${e.client}: downtime ${e.downtimeMs === undefined ? 'unending' : formatDuration(e.downtimeMs)}, ${e.lost.count} of ${e.acknowledged} acknowledged writes lost${e.writers ? `, ${e.writers.twoWriterSamples} of ${e.writers.samples} samples with two writers` : ''}`,
    ),
    record.protection &&
      `Time to protection ${record.protection.measuredMs !== undefined ? formatDuration(record.protection.measuredMs) : 'not measured'}${record.protection.objectiveMs !== undefined ? ` (objective ${formatDuration(record.protection.objectiveMs)}, ${verdict(record.protection.met)})` : ''}: ${record.protection.evidence}`,
  ].filter(Boolean);
  if (measured.length) lines.push('', ...(measured as string[]));
  if (record.outcome) lines.push('', record.outcome);
  return lines.join('\n');
}
