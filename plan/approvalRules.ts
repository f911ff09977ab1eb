/**
 * What four-eyes does to a plan's quorum, known before anything connects. With fourEyes the person
 * who starts a drill cannot approve it; when that person is an approver, one approver fewer can answer
 * each gate, and a quorum of every approver listed is then out of reach: the drill would wait at its
 * first gate until approvals.timeout. Who starts is not in the plan (anyone may; a schedule starts as
 * `schedule:<id>`), so `plan check` warns and `start` refuses when the starter is named.
 */
import type { Approvals } from '../domain';

/** Why this quorum cannot be met when `starter` starts the drill; undefined when it can. */
export function quorumOutOfReach(approvals: Approvals, starter: string): string | undefined {
  const ids = new Set(approvals.approvers.map((a) => a.id));
  if (!approvals.fourEyes || !ids.has(starter) || approvals.quorum <= ids.size - 1) return undefined;
  return `approvals.quorum: ${approvals.quorum} approvals are needed at each gate, but ${starter} is one of the ${ids.size} approvers and with fourEyes cannot approve a drill they start: only ${ids.size - 1} can answer. Start it as someone who is not an approver (an operator), list at least ${approvals.quorum + 1} approvers, lower the quorum to ${ids.size - 1 || 'fewer'}, or say fourEyes: false`;
}

/** What `plan check` says of a quorum four-eyes makes out of reach whenever an approver starts the drill. */
export function quorumWarning(approvals: Approvals): string | undefined {
  const listed = new Set(approvals.approvers.map((a) => a.id)).size;
  if (!approvals.fourEyes || approvals.quorum < listed) return undefined;
  return `approvals.quorum: every one of the ${listed} approvers must approve, and with fourEyes the one who starts a drill cannot: a drill started by an approver would wait at its first gate until approvals.timeout. Start drills as an operator or by schedule, list at least ${approvals.quorum + 1} approvers, or lower the quorum to ${listed - 1 || 'fewer'}`;
}
