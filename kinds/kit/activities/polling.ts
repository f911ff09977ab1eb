/**
 * Waiting for what another system does (replication catching up, a cluster turning green, shards
 * moving, a canary arriving, a node streaming again): bounded in time and in count, heartbeating so
 * a dead worker is noticed, and ended early by the activity's cancellation.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cancellationSignal, whileHeartbeating } from './heartbeat';

/** Whether the wait got there, and how long it took. */
export interface Waited {
  reached: boolean;
  waitedMs: number;
}

/**
 * Reads until `done(value)` holds or `timeoutMs` has passed, at most once every `everyMs` (a read
 * that itself waits server-side, like MASTER_GTID_WAIT for up to `leftMs`, is not followed by a
 * pause). Returns the last value read, so the caller can say what it saw when it gave up.
 */
export async function pollFor<T>(
  what: string,
  timeoutMs: number,
  read: (leftMs: number) => Promise<T>,
  done: (value: T) => boolean,
  everyMs = 500,
  /** More heartbeat details, for a retry to pick up what this attempt started (an SSM command id). */
  details?: () => Record<string, unknown>,
): Promise<Waited & { last: T }> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const cancelled = cancellationSignal();
  // Every round but the last lasts at least everyMs, so the clock ends the wait first; the count is a backstop.
  const maxReads = Math.ceil(timeoutMs / Math.max(everyMs, 1)) + 1;
  return whileHeartbeating(
    (async () => {
      let roundStarted = Date.now();
      let last = await read(Math.max(0, deadline - roundStarted));
      for (let reads = 1; !done(last) && reads < maxReads && !cancelled.aborted && Date.now() < deadline; reads++) {
        // The last pause ends at the deadline, so one more read happens right at it.
        const pause = Math.min(everyMs - (Date.now() - roundStarted), deadline - Date.now());
        if (pause > 0) await sleep(pause, undefined, { signal: cancelled }).catch(() => undefined);
        if (cancelled.aborted) break;
        roundStarted = Date.now();
        last = await read(Math.max(0, deadline - roundStarted));
      }
      return { reached: done(last), waitedMs: Date.now() - started, last };
    })(),
    () => ({ ...details?.(), waiting: what, waitedMs: Date.now() - started }),
  );
}

/** Asks `check` until it holds; see pollFor. */
export async function pollUntil(
  what: string,
  timeoutMs: number,
  check: (leftMs: number) => Promise<boolean>,
  everyMs = 500,
): Promise<Waited> {
  const { reached, waitedMs } = await pollFor(what, timeoutMs, check, (ok) => ok, everyMs);
  return { reached, waitedMs };
}
