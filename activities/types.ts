import type { Observation, StepInput } from '../workflows/contract';

export type { Observation, StepFailureDetails, StepInput, StepOutcome } from '../workflows/contract';

export type StepDriver = (input: StepInput) => Promise<Observation>;
