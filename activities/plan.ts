/**
 * Loads a target's plan on the worker and compiles what the drill will run. The result goes into the
 * drill's history, so a drill keeps running the runbook it started with whatever the workers' code
 * becomes while it waits at a gate.
 */
import { ApplicationFailure } from '@temporalio/common';
import { checkPlanText, findPlanFile, formatPlanError, loadPlanFile, PlanValidationError } from '../plan/load';
import { compileDrill, compilePrecheck } from '../workflows/runbook';
import type { CompiledDrill, DrillMode, LoadPlanInput, LoadedPlan, Plan } from '../domain';

export type Compiler = (plan: Plan, mode: DrillMode) => CompiledDrill;

export function createPlanActivities(deps: { plansDir: string; compile?: Compiler }) {
  const compile = deps.compile ?? compileDrill;
  const loaded = (plan: Plan, source: string, input: LoadPlanInput): LoadedPlan => {
    checkTarget(plan, input.target, source);
    if (input.purpose === 'precheck')
      return {
        plan,
        source,
        compiled: { runbook: { target: plan.target, mode: 'drill', phases: [] }, precheck: compilePrecheck(plan) },
      };
    return { plan, source, compiled: compile(plan, input.mode ?? 'drill') };
  };
  return {
    async loadPlan(input: LoadPlanInput): Promise<LoadedPlan> {
      if (input.planYaml !== undefined) {
        const result = await checkPlanText(input.planYaml);
        if (!result.ok) throw invalid('the plan given at start', result.errors.map(formatPlanError));
        return loaded(result.plan, 'the plan given at start', input);
      }
      const file = await findPlanFile(deps.plansDir, input.target);
      if (!file) {
        throw ApplicationFailure.nonRetryable(
          `no plan for target "${input.target}" in ${deps.plansDir} (looked for ${input.target}.yaml and any file with target: ${input.target})`,
          'PlanNotFound',
        );
      }
      try {
        return loaded(await loadPlanFile(file), file, input);
      } catch (error) {
        if (error instanceof PlanValidationError) throw invalid(file, error.errors.map(formatPlanError));
        throw error;
      }
    },
  };
}

function checkTarget(plan: Plan, target: string, source: string): void {
  if (plan.target !== target) {
    throw ApplicationFailure.nonRetryable(
      `${source} is the plan of "${plan.target}", not of "${target}"`,
      'PlanTargetMismatch',
    );
  }
}

function invalid(source: string, errors: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${source} is not a valid plan: ${errors.join('; ')}`, 'InvalidPlan', {
    errors,
  });
}
