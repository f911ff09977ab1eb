/** What the TIP check tests share: the step a plan compiles for one check, and a check's failure. */
import { ApplicationFailure } from '@temporalio/common';
import { formatPlanError, parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import type { PhaseId, Plan, Step } from '../../domain';

/** A plan from YAML text, or the plan's errors thrown. */
export function planOf(yaml: string): Plan {
  const result = parsePlan(yaml);
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

/** The TIP check `tip-<id>` as the plan's drill compiles it for `phase` (preparation: the primary serves). */
export function compiledCheck(plan: Plan, id: string, phase: PhaseId = 'preparation'): Step {
  const step = compileRunbook(plan, 'drill')
    .phases.find((p) => p.id === phase)
    ?.steps.find((s) => s.id.endsWith(`tip-${id}`));
  if (!step) throw new Error(`no ${id} check in the runbook's ${phase}`);
  return step;
}

/** The failure a check ended with; a check that passed (or threw something else) fails the test. */
export async function failure(run: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApplicationFailure)) throw new Error(`expected the check to fail, got ${String(error)}`);
  return error;
}
