/**
 * Runs one step: its activity with the plan's retry policy, or a manual task for a person. A step
 * that still fails after its retries never passes or fails silently: an operator decides.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  scheduleActivity,
  scheduleLocalActivity,
  TimeoutFailure,
} from '@temporalio/workflow';
import type { Gates } from './gates';
import type { Recorder } from './recorder';
import type { ActivityStepAction, Step, StepFailureDetails, StepInput, StepOf, StepOutcome } from '../domain';

type ActivityStep = StepOf<ActivityStepAction>;

export type StepResult = 'done' | 'abort' | 'timed-out';

/** Each operator retry needs a person's decision; this only bounds the loop. */
const MAX_RUNS = 50;

/** The longest a check may take (its own timeout) to run as a local activity: within one workflow task's 10 s. */
export const LOCAL_CHECK_MAX_MS = 10_000;

/**
 * A short check that changes nothing runs as a local activity, in the worker that runs the drill's
 * workflow task: no round trip through the server's task queues, a few ms instead of tens. It is safe
 * to run again (a worker that dies mid-check leaves no result, so the next worker checks again), and
 * short enough (LOCAL_CHECK_MAX_MS, no waiting `within`) that the status query and pause updates,
 * which wait for the workflow task, are held at most that long. Everything else is a normal activity.
 */
export function runsLocally(step: Step): boolean {
  if (!step.readOnly || step.destructive || step.timeoutMs > LOCAL_CHECK_MAX_MS) return false;
  if (step.action === 'checkHttp') return step.args.http.within === undefined && step.args.http.method !== 'POST';
  if (step.action === 'runCommand') return step.args.command.within === undefined;
  return false;
}

export async function runStep(
  step: Step,
  recorder: Recorder,
  gates: Gates,
  options: { localChecks?: boolean } = {},
): Promise<StepResult> {
  const { drillId, target } = recorder.record;
  for (let run = 1; run <= MAX_RUNS; run++) {
    recorder.stepStarted(step);
    if (step.action === 'manualTask') return runManualTask(step, recorder, gates);
    try {
      const outcome = await scheduleStepActivity(
        step,
        { drillId, target },
        Boolean(options.localChecks) && runsLocally(step),
      );
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

/** What a step's activity gets: whose drill, and what it needs of the step; the rest (retries, timeouts) is the workflow's business. */
export function stepInput(step: ActivityStep, drill: { drillId: string; target: string }): StepInput {
  const { id, title, action, component, site, args, timeoutMs } = step;
  return {
    drillId: drill.drillId,
    target: drill.target,
    step: { id, title, action, component, site, args, timeoutMs },
  };
}

/**
 * Schedules a step's activity with the plan's retry policy: the one place a drill step, a precheck
 * and a cleanup step get their input and activity options, so the three cannot drift apart. `local`
 * runs it as a local activity (the caller decides, see runsLocally).
 */
export function scheduleStepActivity(
  step: ActivityStep,
  drill: { drillId: string; target: string },
  local: boolean,
): Promise<StepOutcome> {
  const input = stepInput(step, drill);
  const retry = {
    maximumAttempts: step.retry.maximumAttempts,
    initialInterval: step.retry.initialIntervalMs,
    backoffCoefficient: step.retry.backoffCoefficient,
    maximumInterval: step.retry.maximumIntervalMs,
  };
  // A little beyond the driver's own timeout, so the driver's clearer message wins.
  const startToCloseTimeout = step.timeoutMs + 5000;
  return local
    ? scheduleLocalActivity<StepOutcome>(step.action, [input], { startToCloseTimeout, retry, summary: step.title })
    : scheduleActivity<StepOutcome>(step.action, [input], {
        startToCloseTimeout,
        heartbeatTimeout: step.heartbeatTimeoutMs,
        retry,
        summary: step.title,
      });
}

/** The sentence and details behind a failed activity: its own message, or which timeout hit. */
export function describeFailure(error: unknown): { message: string; details?: StepFailureDetails } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, details: cause.details?.[0] as StepFailureDetails | undefined };
  }
  if (cause instanceof TimeoutFailure) {
    const which =
      cause.timeoutType === 'HEARTBEAT'
        ? 'stopped heartbeating (the worker running it may have died)'
        : 'did not finish within its timeout';
    return { message: `the step ${which}` };
  }
  return { message: cause instanceof Error ? cause.message : String(cause) };
}
