/** A plan with the components a test names, compiled as a drill would, and the step the workflow would send an activity. */
import { stringify } from 'yaml';
import { parsePlan } from '../../plan/load';
import { compileRunbook } from '../../workflows/runbook';
import type { ActivityStepAction, DrillMode, Step, StepInput, StepOf } from '../../domain';

export function stackPlan(
  components: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    target: 'misp-test',
    platform: 'generic',
    sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
    approvals: { approvers: ['alice', 'bob'] },
    objectives: { rto: '10m', rpo: '1m' },
    components,
    ...extra,
  };
}

/** Every step of a drill of the plan (all phases), or the plan's errors as an exception. */
export function drillSteps(plan: Record<string, unknown>, mode: DrillMode = 'drill'): Step[] {
  const parsed = parsePlan(stringify(plan));
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  return compileRunbook(parsed.plan, mode).phases.flatMap((p) => p.steps);
}

export function planErrors(plan: Record<string, unknown>): string[] {
  const parsed = parsePlan(stringify(plan));
  return parsed.ok ? [] : parsed.errors.map((e) => `${e.path}: ${e.message}`);
}

export function stepById(steps: Step[], id: string): Step {
  const found = steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${steps.map((s) => s.id).join(', ')}`);
  return found;
}

/** The step as the workflow sends it to the activity of its action (checked, so a wrong id fails loudly). */
export function inputOf<A extends ActivityStepAction>(
  action: A,
  steps: Step[],
  id: string,
  drillId = 'drill-misp-test',
): StepInput<A> {
  const step = stepById(steps, id);
  if (step.action !== action) throw new Error(`${step.id} runs ${step.action}, not ${action}`);
  return { drillId, target: 'misp-test', step: step as StepOf<A> };
}
