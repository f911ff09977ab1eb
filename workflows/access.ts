/**
 * Who may do what at an open gate. Pure rules, used by update validators (which refuse the caller)
 * and by signal handlers (which record the refusal), so both paths judge alike.
 */
import type { ApprovalInput, CompleteTaskInput, DecisionInput, PauseInput } from './handlers';
import {
  CHANNELS,
  gateRuleOf,
  planGateOf,
  rolesOf,
  whyNotCounted,
  type Approvals,
  type Channel,
  type GateRule,
  type PendingAction,
} from '../domain';

export interface GateRules {
  approvers: string[];
  operators: string[];
  fourEyes: boolean;
  requestedBy: string;
  /** The plan's approvals, when it gives gates rules of their own (approvals.gates). */
  gates?: Approvals;
}

/** The rule of the gate with this id when the plan gives it one of its own; undefined: the plan's approvers and quorum. */
export function ownRuleOf(rules: GateRules | undefined, gateId: string): GateRule | undefined {
  const gate = planGateOf(gateId);
  if (!rules?.gates || !gate) return undefined;
  const rule = gateRuleOf(rules.gates, gate);
  return rule.own ? rule : undefined;
}

const DECISIONS = ['retry', 'skip', 'abort'];

/**
 * A button answers one opening of a gate: replayed or clicked again after the gate closed and opened
 * anew (a step that failed again), it is refused rather than applied twice.
 */
function checkOpening(pending: PendingAction, openedAt: string | undefined): void {
  if (openedAt !== undefined && openedAt !== pending.since) {
    throw new Error(
      `that answer is for "${pending.id}" as it was opened at ${openedAt}; it is open now since ${pending.since}, so nothing was done twice`,
    );
  }
}

export function requireName(by: unknown): string {
  if (typeof by !== 'string' || by.trim() === '') throw new Error('say who you are: "by" is required');
  return by.trim();
}

export function checkApproval(
  rules: GateRules | undefined,
  pending: PendingAction | null,
  input: ApprovalInput,
  verdict: 'approve' | 'reject',
): void {
  const by = requireName(input?.by);
  if (!rules || !pending || pending.kind !== 'approval') throw new Error('no approval is open on this drill right now');
  if (input.gate && input.gate !== pending.id)
    throw new Error(`gate "${input.gate}" is not open; the open gate is "${pending.id}"`);
  checkOpening(pending, input.openedAt);
  if (!rules.approvers.includes(by))
    throw new Error(`${by} is not an approver of this plan (approvers: ${rules.approvers.join(', ')})`);
  if (verdict === 'reject') return;
  // Stopping a drill is always allowed; letting it go ahead needs someone other than its starter.
  if (rules.fourEyes && by === rules.requestedBy)
    throw new Error(`four-eyes rule: ${by} started this drill and cannot approve it`);
  if (pending.approvedBy.includes(by)) throw new Error(`${by} has already approved gate "${pending.id}"`);
  const own = ownRuleOf(rules, pending.id);
  const why = own && rules.gates ? whyNotCounted(own, rolesOf(rules.gates), pending.approvedBy, by) : undefined;
  if (why) throw new Error(why);
}

/** Pausing: an operator or approver, with a reason, while the drill is not paused already. */
export function checkPause(rules: GateRules | undefined, paused: boolean, input: PauseInput): void {
  const by = requireName(input?.by);
  if (!rules) throw new Error('the drill has not loaded its plan yet; pause it once it runs');
  checkOperator(rules, by);
  if (!input.reason?.trim()) throw new Error('pausing a drill needs a reason (kept in the record)');
  if (paused) throw new Error('the drill is paused already');
}

export function checkResume(rules: GateRules | undefined, paused: boolean, input: PauseInput): void {
  const by = requireName(input?.by);
  if (!rules) throw new Error('the drill has not loaded its plan yet');
  checkOperator(rules, by);
  if (!paused) throw new Error('the drill is not paused');
}

function checkOperator(rules: GateRules, by: string): void {
  const allowed = new Set([...rules.approvers, ...rules.operators, rules.requestedBy]);
  if (!allowed.has(by)) throw new Error(`${by} is not an operator or approver of this plan`);
}

export function checkDecision(rules: GateRules | undefined, pending: PendingAction | null, input: DecisionInput): void {
  const by = requireName(input?.by);
  if (!rules || !pending || pending.kind !== 'decision')
    throw new Error('no failed step is waiting for a decision right now');
  if (input.stepId && input.stepId !== pending.id)
    throw new Error(`step "${input.stepId}" is not waiting; "${pending.id}" is`);
  checkOpening(pending, input.openedAt);
  if (!DECISIONS.includes(input.decision)) throw new Error(`decision must be one of ${DECISIONS.join(', ')}`);
  if (input.decision === 'skip' && !input.reason?.trim()) throw new Error('skipping a step needs a reason');
  checkOperator(rules, by);
}

export function checkTaskCompletion(
  rules: GateRules | undefined,
  pending: PendingAction | null,
  input: CompleteTaskInput,
): void {
  const by = requireName(input?.by);
  if (!rules || !pending || pending.kind !== 'task') throw new Error('no manual task is open right now');
  if (input.taskId !== pending.id)
    throw new Error(`task "${input.taskId}" is not open; the open task is "${pending.id}"`);
  checkOpening(pending, input.openedAt);
  checkOperator(rules, by);
}

/** An answer names the door it came through, one Drillbook knows, or none (the Temporal UI). */
export function checkChannel(channel: unknown): void {
  if (channel !== undefined && !CHANNELS.includes(channel as Channel))
    throw new Error(
      `channel must be one of ${CHANNELS.join(', ')} (or absent, for the Temporal UI), got ${JSON.stringify(channel)}`,
    );
}
