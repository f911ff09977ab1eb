/** What makes a canary unique to one drill run: the drill id repeats per target, the run id does not. */
import { Context } from '@temporalio/activity';
import type { StepInput } from './types';

export function canaryKey(input: StepInput, canary: string): string {
  let run = '';
  try {
    run = (Context.current().info.workflowExecution?.runId ?? '').slice(0, 8);
  } catch {
    // Outside a Temporal activity (tests call drivers directly): the drill id alone.
  }
  return `${input.drillId}${run ? `/${run}` : ''}:${canary}`;
}
