/**
 * What four-eyes does to the gates, known before anything connects. With fourEyes the person who
 * starts a drill cannot approve it; when that person is an approver, a gate may be left with nobody
 * who could approve it (a quorum of every approver listed, a role only the starter holds). Who
 * starts is not in the plan (anyone may; a schedule starts as `schedule:<id>`), so `plan check`
 * warns here and `drillbook start` and the drill itself refuse (domain/approvals.ts unapprovableGates).
 */
import { DRILL_MODES, unapprovableGates, type Approvals } from '../domain';

/** What `plan check` says of the approvers whose own start would leave a gate nobody could approve. */
export function quorumWarning(approvals: Approvals): string | undefined {
  const barred = approvals.approvers.flatMap(({ id }) =>
    DRILL_MODES.flatMap((mode) => unapprovableGates(approvals, mode, id).map((why) => ({ id, why }))),
  );
  if (!barred.length) return undefined;
  const who = [...new Set(barred.map((b) => b.id))];
  const why = [
    ...new Set(
      barred.map((b) => b.why.replace(/, and \S+ started this drill, so under fourEyes cannot approve it/, '')),
    ),
  ];
  return `approvals.quorum: with fourEyes the one who starts a drill cannot approve it, so a drill started by ${who.join(', ')} would wait at a gate nobody could approve (${why.join('; ')}); drillbook start refuses such a start. Start drills as an operator or by schedule, list more approvers, or lower the quorum`;
}
