/**
 * Checks that wait for what they check: jobs appearing on the new side, a connector heartbeating, a
 * canary replicating. With `within`, a check that does not pass yet is asked again (every second,
 * heartbeating) until it passes or the bound runs out, and says how long it waited. Retries stay
 * for faults; a misconfiguration (a non-retryable failure) ends the wait at once.
 */
import { ApplicationFailure } from '@temporalio/common';
import { pollUntil } from './polling';
import type { Observation } from './types';

export async function passWithin(
  withinMs: number | undefined,
  what: string,
  once: () => Promise<Observation>,
  everyMs = 1000,
): Promise<Observation> {
  if (!withinMs) return once();
  let last: unknown;
  let passed: Observation | undefined;
  const { reached, waitedMs } = await pollUntil(
    what,
    withinMs,
    async () => {
      try {
        passed = await once();
        return true;
      } catch (error) {
        if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
        last = error;
        return false;
      }
    },
    everyMs,
  );
  const waited = `${Math.floor(waitedMs / 1000)} s`;
  if (reached && passed) {
    return waitedMs < everyMs
      ? passed
      : {
          summary: `${passed.summary} (after waiting ${(waitedMs / 1000).toFixed(1)} s)`,
          facts: { ...passed.facts, waitedMs },
        };
  }
  const failure = last instanceof ApplicationFailure ? last : undefined;
  throw ApplicationFailure.create({
    message: `${(last as Error | undefined)?.message ?? `${what} did not pass`}; waited ${waited} for it`,
    type: failure?.type ?? 'CheckDidNotPass',
    nonRetryable: false,
    details: failure?.details ?? undefined,
  });
}
