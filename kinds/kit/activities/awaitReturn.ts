/**
 * Reprotect's first step: wait until a lost site answers again. It may take hours, so the wait is
 * bounded only by the step's own timeout (the plan's), heartbeating all along; the dead host is
 * never assumed to answer. A refusal a person must fix (wrong credentials, a missing bucket) ends the
 * wait at once: the probe throws it as a non-retryable failure.
 */
import { ApplicationFailure } from '@temporalio/common';
import { failRetryable } from './failures';
import { pollFor } from './polling';
import type { StepInput } from './types';

/** What one look at the returning side saw: back, or why not yet. */
export interface ReturnProbe {
  back: boolean;
  detail: string;
  facts?: Record<string, unknown>;
}

/** Room left at the end of the step's timeout to report, instead of being cut off by Temporal. */
const REPORT_MARGIN_MS = 5000;
/** A returning site is looked at this often: cheap for it, and soon enough for a drill measured in minutes. */
const EVERY_MS = 2000;

/**
 * Probes until the site is back or the step's time is up. A probe that throws a retryable failure
 * (the server does not answer) counts as "not back yet"; a non-retryable one ends the wait.
 */
export async function awaitReturn(
  input: Pick<StepInput, 'step'>,
  what: string,
  probe: () => Promise<ReturnProbe>,
): Promise<ReturnProbe & { waitedMs: number }> {
  const budget = Math.max(1000, input.step.timeoutMs - REPORT_MARGIN_MS);
  const look = async (): Promise<ReturnProbe> => {
    try {
      return await probe();
    } catch (error) {
      if (error instanceof ApplicationFailure && error.nonRetryable) throw error;
      return { back: false, detail: (error as Error).message ?? String(error) };
    }
  };
  const { reached, waitedMs, last } = await pollFor(`${what} to answer again`, budget, look, (p) => p.back, EVERY_MS);
  if (!reached)
    failRetryable(
      `${what} has not come back within ${Math.round(waitedMs / 1000)}s (the step's timeout): ${last.detail}. Retry the step once the site is up again.`,
      'NotReturned',
      { waitedMs, ...last.facts },
    );
  return { ...last, waitedMs };
}
