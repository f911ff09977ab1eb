import type { ActivityStepAction, Observation, StepInput } from '../../../domain';

export type { Observation, StepFailureDetails, StepInput, StepOutcome } from '../../../domain';

/** What one action's activity does, its input's arguments typed by that action. */
export type StepDriver<A extends ActivityStepAction = ActivityStepAction> = (
  input: StepInput<A>,
) => Promise<Observation>;
export type StepDrivers<A extends ActivityStepAction> = { [K in A]: StepDriver<K> };
