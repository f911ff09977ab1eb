/** The dry run: a runbook as text, exactly the steps a drill would run. */
import { formatDuration } from '../kinds/kit/schema/duration';
import { runsLocally } from '../workflows/steps';
import { describeGateRule, gateRuleOf, type ApprovalGate, type Approvals, type Plan, type Runbook } from '../domain';

/** What a gate needs: the plan's quorum, or the gate's own rule (approvers, roles, quorum). */
function gateNeeds(approvals: Approvals, gate: ApprovalGate): string {
  const rule = gateRuleOf(approvals, gate);
  return rule.own ? describeGateRule(rule) : `${approvals.quorum} approver(s)`;
}

export function renderRunbook(plan: Plan, runbook: Runbook): string {
  const lines: string[] = [];
  const { approvals } = plan;
  lines.push(
    `${runbook.mode} of ${plan.target} (${plan.platform}): ${plan.sites.primary.name} (primary) -> ${plan.sites.secondary.name} (secondary)`,
  );
  lines.push(
    `approvers: ${approvals.approvers.map((a) => (a.roles?.length ? `${a.id} (${a.roles.join(', ')})` : a.id)).join(', ')}; quorum ${approvals.quorum}; four-eyes ${approvals.fourEyes ? 'on' : 'off'}; ` +
      `reminder after ${formatDuration(approvals.reminderAfter)}, timeout ${formatDuration(approvals.timeout)}`,
  );
  const objectives = [
    plan.objectives.rto && `RTO ${formatDuration(plan.objectives.rto)}`,
    plan.objectives.rpo && `RPO ${formatDuration(plan.objectives.rpo)}`,
  ].filter(Boolean);
  if (objectives.length) lines.push(`objectives: ${objectives.join(', ')}`);
  let n = 0;
  for (const phase of runbook.phases) {
    lines.push('', `== ${phase.title}`);
    if (phase.needsApproval)
      lines.push(`   [gate] approval of ${gateNeeds(approvals, phase.id as ApprovalGate)} before this phase`);
    for (const step of phase.steps) {
      n += 1;
      const tags = [
        step.action === 'manualTask' ? 'manual' : step.action,
        step.destructive && 'destructive',
        step.bestEffort && 'best-effort',
        runsLocally(step) ? 'read-only check, run locally' : step.readOnly && 'read-only',
        step.action !== 'manualTask' &&
          `${step.retry.maximumAttempts} attempts, ${formatDuration(step.timeoutMs)} timeout`,
        step.block !== undefined && `parallel block ${step.block}, lane ${step.lane}`,
      ].filter(Boolean);
      lines.push(`${String(n).padStart(3)}. ${step.title}  (${tags.join(', ')})`, `      id ${step.id}`);
    }
  }
  lines.push('', `   [gate] sign-off by ${gateNeeds(approvals, 'signoff')}`);
  return lines.join('\n');
}
