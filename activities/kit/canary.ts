/**
 * Canary ids: a row or document written on the old writer before a switch and looked for on the new
 * one after it. Unique to one drill run: the drill id repeats per target, the run id does not.
 */
import { Context } from '@temporalio/activity';
import type { MysqlAction, OpensearchAction, PostgresAction, StepInput } from '../../domain';

/** The steps of a switch of the data tier: their arguments name the switch's canary. */
export type SwitchStepInput = StepInput<MysqlAction | PostgresAction | OpensearchAction>;

/** A canary named `canary` in this run of the drill, e.g. `drill-lab/1a2b3c4d:primary-to-secondary`. */
export function canaryKey(input: { drillId: string }, canary: string): string {
  let run = '';
  try {
    run = (Context.current().info.workflowExecution?.runId ?? '').slice(0, 8);
  } catch {
    // Outside a Temporal activity (tests call drivers directly): the drill id alone.
  }
  return `${input.drillId}${run ? `/${run}` : ''}:${canary}`;
}

/** The canary of this step's switch in this run. */
export const canaryId = (input: SwitchStepInput): string => canaryKey(input, input.step.args.canary);

/** The marker the promoting step writes on the new writer: when it became writable, and with what lag. */
export const cutoverMarkerId = (input: SwitchStepInput): string => `${canaryId(input)}:cutover`;
