/** The demo's lines on the TIP's own recovery state and its time to protection, after the record. */
import { formatDuration } from '../../kinds/kit/schema/duration';
import { TIP_RECOVERY_ACTIONS, type DrillRecord } from '../../domain';

const RECOVERY: readonly string[] = TIP_RECOVERY_ACTIONS;

/** Each recovery-state check as it ended, one line each: what it compared. */
export function recoveryLines(record: DrillRecord): string[] {
  const checks = record.steps.filter((s) => RECOVERY.includes(s.action) && s.status !== 'pending');
  if (!checks.length) return [];
  const passed = checks.filter((s) => s.status === 'succeeded').length;
  return [
    `TIP recovery state: ${passed} of ${checks.length} checks passed`,
    ...checks.map((s) => `  ${s.status === 'succeeded' ? '✓' : '✗'} [${s.phase}] ${s.summary ?? s.error ?? s.title}`),
  ];
}

/** "Time to protection 6.2 s (objective 10m, met): from … to …", or why there is none. */
export function protectionLine(record: DrillRecord): string | undefined {
  const p = record.protection;
  if (!p)
    return record.plan?.objectives.protectionMs !== undefined
      ? 'Time to protection: not measured (the drill did not reach the check that finds the test indicator served)'
      : undefined;
  const figure = p.measuredMs === undefined ? 'not measured' : formatDuration(p.measuredMs);
  const against =
    p.objectiveMs === undefined ? '' : ` (objective ${formatDuration(p.objectiveMs)}, ${p.met ? 'met' : 'MISSED'})`;
  return `Time to protection ${figure}${against}: ${p.evidence}`;
}
