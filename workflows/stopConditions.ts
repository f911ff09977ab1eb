/**
 * Stop conditions: read-only checks from the plan (the serving site's error rate, say) run before
 * each destructive step of a phase that needs approval. One failing pauses the drill before that
 * step and asks an operator, with the condition's output; passing ones change nothing.
 */
import { isCancellation, scheduleActivity } from '@temporalio/workflow';
import type { Gates } from './gates';
import type { Recorder } from './recorder';
import { describeFailure, stepInput } from './steps';
import type { StepOutcome, StopCondition } from '../domain';

const now = (): string => new Date().toISOString();

/** Runs every condition once; the first that fails pauses the drill (recorded with its output). */
export async function checkStopConditions(
  conditions: StopCondition[],
  recorder: Recorder,
  gates: Gates,
): Promise<void> {
  const { drillId, target } = recorder.record;
  for (const condition of conditions) {
    const { id, title, action, timeoutMs } = condition;
    const input = stepInput(condition, { drillId, target });
    let ok = true;
    let output: string;
    try {
      const outcome = await scheduleActivity<StepOutcome>(action, [input], {
        startToCloseTimeout: timeoutMs + 5000,
        // A condition that cannot tell is a failing condition: one attempt, no retries to hide it.
        retry: { maximumAttempts: 1 },
        summary: `stop condition: ${title}`,
      });
      output = outcome.summary;
    } catch (error) {
      if (isCancellation(error)) throw error;
      ok = false;
      output = describeFailure(error).message;
    }
    const results = (recorder.record.stopConditions ??= []);
    // The plan's own name for the condition (its step id adds a prefix).
    const name = id.replace(/^stop-condition\./, '');
    const entry = { id: name, title, ok, at: now(), output };
    const index = results.findIndex((r) => r.id === name);
    if (index >= 0) results[index] = entry;
    else results.push(entry);
    recorder.publish();
    if (!ok) {
      gates.pauseForStopCondition(name, `${title}: ${output}`);
      return;
    }
  }
}
