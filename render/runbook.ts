/** The dry run: a runbook as text, exactly the steps a drill would run. */
import { formatDuration } from '../kinds/kit/schema/duration';
import { runsLocally } from '../workflows/steps';
import {
  describeGateRule,
  gateRuleOf,
  scheduleWhen,
  type ApprovalGate,
  type Approvals,
  type Plan,
  type Runbook,
  type StopCondition,
} from '../domain';

/** What a gate needs: the plan's quorum, or the gate's own rule (approvers, roles, quorum). */
function gateNeeds(approvals: Approvals, gate: ApprovalGate): string {
  const rule = gateRuleOf(approvals, gate);
  return rule.own ? describeGateRule(rule) : `${approvals.quorum} approver(s)`;
}

/** What a stop condition asks, as a person reads it: the request or the command line, and where. */
function stopConditionLine(condition: StopCondition): string {
  const asks =
    condition.action === 'checkHttp'
      ? `${condition.args.http.method} ${condition.args.http.url} expecting ${condition.args.http.expectStatus.join(' or ')}`
      : condition.action === 'runCommand'
        ? `runs ${condition.args.command.argv.join(' ')}`
        : `runs ${condition.args.ssm.commands.length} line(s) on every InService node of ${condition.args.ssm.autoScalingGroup}`;
  const phases = condition.phases ? ` in ${condition.phases.join(', ')}` : '';
  return `   - ${condition.title}: ${asks}${condition.site ? ` on the ${condition.site}` : ''}${phases}  (id ${condition.id})`;
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
    plan.objectives.rto !== undefined && `RTO ${formatDuration(plan.objectives.rto)}`,
    plan.objectives.rpo !== undefined && `RPO ${formatDuration(plan.objectives.rpo)}`,
  ].filter(Boolean);
  if (objectives.length) lines.push(`objectives: ${objectives.join(', ')}`);
  // Applied by `drillbook schedule sync PLAN`; said here so a reviewer of the plan sees its cadence.
  const cadence = [
    ...plan.schedules.map((s) => `${s.id}: ${s.mode}, ${scheduleWhen(s)}`),
    ...(plan.precheck ? [`readiness precheck every ${formatDuration(plan.precheck.every)}`] : []),
  ];
  if (cadence.length) lines.push(`schedules (${plan.timezone}; schedule sync applies them): ${cadence.join('; ')}`);
  const conditions = runbook.stopConditions ?? [];
  if (conditions.length) {
    lines.push(
      '',
      `stop conditions: checked before each destructive step of a phase with a gate; one failing pauses the drill there for an operator`,
      ...conditions.map(stopConditionLine),
    );
  }
  let n = 0;
  for (const phase of runbook.phases) {
    lines.push('', `== ${phase.title}`);
    if (phase.needsApproval)
      lines.push(`   [gate] approval of ${gateNeeds(approvals, phase.id as ApprovalGate)} before this phase`);
    // A scoped condition (phases) guards only its phases; an unscoped one every phase with a gate.
    const guarding = conditions.filter((c) => !c.phases || c.phases.includes(phase.id));
    if (phase.needsApproval && guarding.length && phase.steps.some((step) => step.destructive))
      lines.push(
        `   [stop conditions] ${[...new Set(guarding.map((c) => c.id))].join(', ')} before each destructive step`,
      );
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
