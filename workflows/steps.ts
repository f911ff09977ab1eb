/**
 * Runs one step: its activity with the plan's retry policy, or a manual task for a person. A step
 * that still fails after its retries never passes or fails silently: an operator decides.
 */
import { ActivityFailure, ApplicationFailure, isCancellation, scheduleActivity, TimeoutFailure } from '@temporalio/workflow';
import type { Gates } from './gates';
import type { Recorder } from './recorder';
import type { ActivityStepAction, Step, StepFailureDetails, StepInput, StepOf, StepOutcome } from '../domain';

type ActivityStep = StepOf<ActivityStepAction>;

export type StepResult = 'done' | 'abort' | 'timed-out';

/** Each operator retry needs a person's decision; this only bounds the loop. */
const MAX_RUNS = 50;

export async function runStep(step: Step, recorder: Recorder, gates: Gates): Promise<StepResult> {
  const { drillId, target } = recorder.record;
  for (let run = 1; run <= MAX_RUNS; run++) {
    recorder.stepStarted(step);
    if (step.action === 'manualTask') return runManualTask(step, recorder, gates);
    try {
      const input: StepInput = { drillId, target, step: pick(step) };
      const outcome = await scheduleActivity<StepOutcome>(step.action, [input], {
        // A little beyond the driver's own timeout, so the driver's clearer message wins.
        startToCloseTimeout: step.timeoutMs + 5000,
        heartbeatTimeout: step.heartbeatTimeoutMs,
        retry: {
          maximumAttempts: step.retry.maximumAttempts,
          initialInterval: step.retry.initialIntervalMs,
          backoffCoefficient: step.retry.backoffCoefficient,
          maximumInterval: step.retry.maximumIntervalMs,
        },
        summary: step.title,
      });
      recorder.stepSucceeded(step, outcome);
      return 'done';
    } catch (error) {
      if (isCancellation(error)) throw error;
      const { message, details } = describeFailure(error);
      recorder.stepFailed(step, message, details, step.bestEffort);
      if (step.bestEffort) return 'done';
      const attempts = recorder.step(step.id).attempts;
      const prompt = `${step.title} failed after ${attempts} attempt(s): ${message}. Retry, skip (with a reason) or abort?`;
      const decision = await gates.decision(step.id, step.phase, prompt, message);
      if (decision.result === 'retry') continue;
      if (decision.result === 'skip') {
        recorder.stepSkipped(step, decision.by, decision.reason ?? '');
        return 'done';
      }
      return decision.result;
    }
  }
  return 'abort';
}

async function runManualTask(step: StepOf<'manualTask'>, recorder: Recorder, gates: Gates): Promise<StepResult> {
  const done = await gates.task(step.id, step.phase, step.args.instructions ?? step.title);
  if (done.result === 'timed-out') {
    recorder.stepFailed(step, 'nobody completed the task in time', undefined, false);
    return 'timed-out';
  }
  recorder.stepDoneByPerson(step, done.by, done.note);
  return 'done';
}

/** What the activity needs of a step; the rest (retries, timeouts) is the workflow's business. */
function pick(step: ActivityStep): StepInput['step'] {
  const { id, title, action, component, site, args, timeoutMs } = step;
  return { id, title, action, component, site, args, timeoutMs };
}

/** The sentence and details behind a failed activity: its own message, or which timeout hit. */
export function describeFailure(error: unknown): { message: string; details?: StepFailureDetails } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, details: cause.details?.[0] as StepFailureDetails | undefined };
  }
  if (cause instanceof TimeoutFailure) {
    const which = cause.timeoutType === 'HEARTBEAT' ? 'stopped heartbeating (the worker running it may have died)' : 'did not finish within its timeout';
    return { message: `the step ${which}` };
  }
  return { message: cause instanceof Error ? cause.message : String(cause) };
}
