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
  if (!inActivity()) return work;
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

/**
 * Polls until `check` holds, heartbeating, bounded by `timeoutMs` and by cancellation; says whether
 * it got there and how long it waited (replication catch-up, cluster recovery, shard moves).
 */
export async function pollUntil(what: string, timeoutMs: number, check: () => Promise<boolean>, everyMs = 500): Promise<{ reached: boolean; waitedMs: number }> {
  const started = Date.now();
  const cancelled = cancellationSignal();
  const maxPolls = Math.ceil(timeoutMs / everyMs) + 1;
  const reached = await whileHeartbeating(
    (async () => {
      for (let poll = 0; poll < maxPolls; poll++) {
        if (await check()) return true;
        if (cancelled.aborted || Date.now() - started >= timeoutMs) return false;
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
      return false;
    })(),
    () => ({ waiting: what, waitedMs: Date.now() - started }),
  );
  return { reached, waitedMs: Date.now() - started };
}
