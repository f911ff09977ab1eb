/**
 * Keeps every activity visibly alive while it runs, so a dead worker is noticed within the step's
 * heartbeat timeout (plan `defaults.heartbeatTimeout`, 2 s unless raised) and the step runs again on
 * another worker: the worker beats twice a second for each activity it runs (heartbeatWhileRunning,
 * installed by src/worker.ts), carrying the details the activity last gave, and long waits beat with
 * what they wait for (whileHeartbeating, pollFor, runCommand).
 */
import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { HEARTBEAT_EVERY_MS } from '../../../domain';

/** What each running activity last heartbeated, so the worker's own beat never drops it (an SSM command id). */
const lastDetails = new WeakMap<Context, { details: unknown }>();

const inActivity = (): boolean => {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
};

/**
 * Heartbeats now with these details (kept for a retry to pick up); the worker's beat repeats them.
 * Nothing outside an activity (unit tests) or in a local activity (it cannot heartbeat: its workflow
 * task's timeout watches it).
 */
export function heartbeat(details?: unknown): void {
  if (!inActivity()) return;
  const context = Context.current();
  if (context.info.isLocal) return;
  lastDetails.set(context, { details });
  context.heartbeat(details);
}

/**
 * The worker's activity interceptor: each activity (not a local one) heartbeats twice a second for as
 * long as it runs, whether or not its driver waits in a helper that beats, so even a step that sits in
 * one long request or query is seen alive. The beat carries the details the activity last gave, or
 * the previous attempt's while it has given none.
 */
export const heartbeatWhileRunning: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      if (context.info.isLocal) return next(input);
      const beat = (): void => {
        const given = lastDetails.get(context);
        context.heartbeat(given ? given.details : context.info.heartbeatDetails);
      };
      const timer = setInterval(beat, HEARTBEAT_EVERY_MS);
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

/** Awaits `work`, heartbeating twice a second with `details` (what it waits for) meanwhile. */
export async function whileHeartbeating<T>(
  work: Promise<T>,
  details?: () => unknown,
  everyMs = HEARTBEAT_EVERY_MS,
): Promise<T> {
  if (!inActivity() || Context.current().info.isLocal) return work;
  const beat = (): void => heartbeat(details?.());
  beat();
  const timer = setInterval(beat, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** The activity's cancellation signal, or a never-aborting one outside an activity (unit tests). */
export function cancellationSignal(): AbortSignal {
  return inActivity() ? Context.current().cancellationSignal : new AbortController().signal;
}
