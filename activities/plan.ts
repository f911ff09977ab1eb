/** Loads a target's plan on the worker, so a drill can be started with just a target name. */
import { ApplicationFailure } from '@temporalio/common';
import { findPlanFile, formatPlanError, loadPlanFile, parsePlan, PlanValidationError } from '../src/plan/load';
import type { Plan } from '../src/plan/schema';
import type { LoadedPlan, LoadPlanInput } from '../workflows/contract';


export function createPlanActivities(deps: { plansDir: string }) {
  return {
    async loadPlan(input: LoadPlanInput): Promise<LoadedPlan> {
      if (input.planYaml !== undefined) {
        const result = parsePlan(input.planYaml);
        if (!result.ok) throw invalid('the plan given at start', result.errors.map(formatPlanError));
        return checkTarget(result.plan, input.target, 'the plan given at start');
      }
      const file = await findPlanFile(deps.plansDir, input.target);
      if (!file) {
        throw ApplicationFailure.nonRetryable(`no plan for target "${input.target}" in ${deps.plansDir} (looked for ${input.target}.yaml and any file with target: ${input.target})`, 'PlanNotFound');
      }
      try {
        return checkTarget(await loadPlanFile(file), input.target, file);
      } catch (error) {
        if (error instanceof PlanValidationError) throw invalid(file, error.errors.map(formatPlanError));
        throw error;
      }
    },
  };
}

function checkTarget(plan: Plan, target: string, source: string): LoadedPlan {
  if (plan.target !== target) {
    throw ApplicationFailure.nonRetryable(`${source} is the plan of "${plan.target}", not of "${target}"`, 'PlanTargetMismatch');
  }
  return { plan, source };
}

function invalid(source: string, errors: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${source} is not a valid plan: ${errors.join('; ')}`, 'InvalidPlan', { errors });
}
