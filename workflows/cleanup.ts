/**
 * The runbook's cleanup (Runbook.cleanup): steps the drill runs on every ending, whatever happened
 * (success, abort, rejection, timeout, cancellation), once the step each cleans up after has started
 * and unless a step of its own action already succeeded (the wrap-up did it). A cleanup that fails is
 * recorded as failed; the drill's ending stands and no one is asked: the drill is over.
 */
import { isCancellation } from '@temporalio/workflow';
import type { Recorder } from './recorder';
import { describeFailure, scheduleStepActivity } from './steps';
import type { CleanupStep } from '../domain';

export async function runCleanup(cleanup: CleanupStep[], recorder: Recorder): Promise<void> {
  for (const { step, after } of cleanup) {
    const { steps, drillId, target } = recorder.record;
    if (!steps.some((s) => s.action === after && s.startedAt)) continue;
    if (steps.some((s) => s.action === step.action && s.status === 'succeeded')) continue;
    if (step.action === 'manualTask') continue;
    recorder.addSteps([step]);
    recorder.stepStarted(step);
    try {
      const outcome = await scheduleStepActivity(step, { drillId, target }, false);
      recorder.stepSucceeded(step, outcome);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { message, details } = describeFailure(error);
      recorder.stepFailed(step, message, details, false);
    }
  }
}
