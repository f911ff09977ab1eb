/**
 * How a step activity fails: with a type that a retry policy, a report and a person can tell apart,
 * and the facts it observed, which the step's record keeps (asStepActivity carries them over).
 */
import { ApplicationFailure } from '@temporalio/common';

export type Facts = Record<string, unknown>;

/** A fault that may pass (unreachable, lagging, not caught up yet): retried, then an operator decides. */
export function failRetryable(message: string, type: string, facts?: Facts): never {
  throw ApplicationFailure.retryable(message, type, ...(facts ? [facts] : []));
}

/** A misconfiguration or an impossibility that retrying cannot mend: an operator decides at once. */
export function failNonRetryable(message: string, type: string, facts?: Facts): never {
  throw ApplicationFailure.nonRetryable(message, type, ...(facts ? [facts] : []));
}
