/** Keeps a long activity visibly alive, so a dead worker is noticed within the heartbeat timeout. */
import { Context } from '@temporalio/activity';

const inActivity = (): boolean => {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
};

export async function whileHeartbeating<T>(work: Promise<T>, details?: () => unknown, everyMs = 2000): Promise<T> {
  // A local activity (a short read-only check) cannot heartbeat: its workflow task's timeout watches it.
  if (!inActivity() || Context.current().info.isLocal) return work;
  const context = Context.current();
  const beat = (): void => context.heartbeat(details?.());
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
