/**
 * Runs a phase's steps: one after another, except steps sharing a block, which run at once in lanes
 * (a component's own steps keep their order within its lane). Before each step the drill holds if
 * paused; before each destructive step of a phase that needs approval, the stop conditions are
 * checked. A lane whose step waits for an operator's decision does not stop its siblings: they
 * finish and are recorded, and the phase then ends as that decision says.
 */
import { sleep } from '@temporalio/workflow';
import type { Gates } from './gates';
import type { Recorder } from './recorder';
import { runStep, runsLocally } from './steps';
import { checkStopConditions } from './stopConditions';
import type { RunbookPhase, Step, StopCondition } from '../domain';

export interface Interpreter {
  recorder: Recorder;
  gates: Gates;
  /** Behaviour a drill's history fixed at its start (see drillWorkflow's patches). */
  features: { pause: boolean; blocks: boolean; localChecks?: boolean; scopedStops?: boolean };
  stopConditions: StopCondition[];
  /** A failover drill with the outage figures and words (patch 'outage-figures'). */
  outage?: boolean;
  /** The last step that ended ran as a local activity (its workflow task may hold a pause back). */
  afterLocal?: boolean;
}

export type PhaseResult = { result: 'done' } | { result: 'abort' | 'timed-out'; stepId: string };

/** Groups consecutive steps of one block; each group is a list of lanes, each lane a list of steps. */
export function blocksOf(steps: Step[], parallel: boolean): Step[][][] {
  const groups: Step[][][] = [];
  let current: { block: number; lanes: Map<string, Step[]> } | undefined;
  for (const step of steps) {
    if (!parallel || step.block === undefined) {
      current = undefined;
      groups.push([[step]]);
      continue;
    }
    if (!current || current.block !== step.block) {
      current = { block: step.block, lanes: new Map() };
      groups.push([]);
    }
    const lane = step.lane ?? step.id;
    const steps = current.lanes.get(lane);
    if (steps) steps.push(step);
    else {
      const fresh = [step];
      current.lanes.set(lane, fresh);
      groups[groups.length - 1].push(fresh);
    }
  }
  return groups;
}

export async function runPhaseSteps(phase: RunbookPhase, run: Interpreter): Promise<PhaseResult> {
  for (const lanes of blocksOf(phase.steps, run.features.blocks)) {
    const results =
      lanes.length === 1
        ? [await runLane(lanes[0], phase, run)]
        : await Promise.all(lanes.map((lane) => runLane(lane, phase, run)));
    const stopped = results.find((r) => r.result !== 'done');
    if (stopped) return stopped;
  }
  return { result: 'done' };
}

async function runLane(lane: Step[], phase: RunbookPhase, run: Interpreter): Promise<PhaseResult> {
  for (const step of lane) {
    const local = run.features.localChecks === true && runsLocally(step);
    // A run of local checks keeps one workflow task open, and a pause asked meanwhile waits for it to
    // end: before a step that is not such a check, end the task (a 1 ms timer) so the pause is in.
    if (run.afterLocal && !local) {
      run.afterLocal = false;
      await sleep(1);
    }
    if (run.features.pause) {
      const conditions = run.features.scopedStops ? conditionsOf(run.stopConditions, phase) : run.stopConditions;
      if (step.destructive && phase.needsApproval && conditions.length)
        await checkStopConditions(conditions, run.recorder, run.gates);
      if ((await run.gates.holdIfPaused()) === 'timed-out') return { result: 'timed-out', stepId: step.id };
    }
    const result = await runStep(step, run.recorder, run.gates, { localChecks: run.features.localChecks });
    run.afterLocal = local;
    if (result !== 'done') return { result, stepId: step.id };
  }
  return { result: 'done' };
}

/** The stop conditions asked in this phase: those scoped to it (`phases`) and those scoped to none. */
const conditionsOf = (conditions: StopCondition[], phase: RunbookPhase): StopCondition[] =>
  conditions.filter((condition) => !condition.phases || condition.phases.includes(phase.id));
