/**
 * Fields a plan's own steps and stop conditions take beside their driver: a step's retry policy and
 * parallel block, a stop condition's scope (phases, modes, `site: serving`).
 */
import { z } from 'zod';
import { duration, identifier } from '../kinds/kit/schema/fields';
import { DRILL_MODES, PHASES_NEEDING_APPROVAL, type DrillMode, type PhaseId } from '../domain';

interface IssueSink {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void;
}

/** The modes whose drills include a step or ask a stop condition. */
export const drillModes = z
  .array(
    z.enum(DRILL_MODES as readonly [DrillMode, ...DrillMode[]], {
      error: `expected modes among ${DRILL_MODES.join(', ')}`,
    }),
  )
  .min(1, `expected at least one of ${DRILL_MODES.join(', ')}`);

/** A plan step's own retry policy and parallel block. */
export const stepRetryFields = {
  /** Retries after the first attempt: 0 for a command that must not run twice (one attempt, then an operator decides). */
  retries: z
    .number({ error: 'expected a whole number of retries after the first attempt, 0 to 99' })
    .int('expected a whole number of retries after the first attempt, 0 to 99')
    .min(0, 'expected 0 to 99 retries after the first attempt')
    .max(99, 'expected 0 to 99 retries after the first attempt')
    .optional(),
  /** Overrides of defaults.retry for this step alone. */
  retry: z
    .strictObject({
      maximumAttempts: z.number().int().min(1).max(100).optional(),
      initialInterval: duration.optional(),
      backoffCoefficient: z.number().min(1).max(10).optional(),
      maximumInterval: duration.optional(),
    })
    .optional(),
  /** The name of a parallel block: steps of one phase and segment naming it run at once. */
  parallel: identifier.optional(),
};

/** `retries` and `retry.maximumAttempts` say the same thing: once is enough. */
export function checkStepRetries(
  step: { retries?: number; retry?: { maximumAttempts?: number } },
  ctx: IssueSink,
): void {
  if (step.retries !== undefined && step.retry?.maximumAttempts !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['retries'],
      message: `give either retries (${step.retries}: ${step.retries + 1} attempt(s)) or retry.maximumAttempts (${step.retry.maximumAttempts}), not both`,
    });
}

const SCOPED_PHASES = PHASES_NEEDING_APPROVAL as readonly [PhaseId, ...PhaseId[]];

/** Where a stop condition looks, and when it is asked. */
export const stopConditionScope = {
  /** `serving`: resolved per phase to the site the phase moves service to. */
  site: z
    .enum(['primary', 'secondary', 'serving'], {
      error: 'expected primary, secondary or serving (the site the phase moves service to)',
    })
    .optional(),
  /** Only before the destructive steps of these phases. */
  phases: z
    .array(
      z.enum(SCOPED_PHASES, {
        error: `expected phases among ${SCOPED_PHASES.join(', ')} (stop conditions are asked before the destructive steps of the phases that need approval)`,
      }),
    )
    .min(1, `expected at least one of ${SCOPED_PHASES.join(', ')}`)
    .optional(),
  /** Only in drills of these modes. */
  modes: drillModes.optional(),
};
