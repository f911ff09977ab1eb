/**
 * What each node did with an SSM command, read from GetCommandInvocation, and whether the step
 * passes: only when every node it was sent to ended in Success with exit code 0 (and its output
 * matched, when the plan asks). Pure, so the rule is tested over AWS's own answer shapes.
 */
import type { GetCommandInvocationCommandOutput } from '@aws-sdk/client-ssm';

/** Statuses an invocation does not leave (Cancelling, Delayed, Pending and InProgress still move). */
export const TERMINAL_STATUSES: readonly string[] = ['Success', 'Failed', 'TimedOut', 'Cancelled'];

/** SSM has not registered the invocation yet (InvocationDoesNotExist right after SendCommand). */
export const NOT_YET_KNOWN = 'NotYetKnown';

/** Characters of each node's stdout and stderr the record keeps: the end, where a failure says why. */
export const OUTPUT_KEPT = 2000;

export type Invocation = Pick<
  GetCommandInvocationCommandOutput,
  'Status' | 'StatusDetails' | 'ResponseCode' | 'StandardOutputContent' | 'StandardErrorContent'
>;

/** One node's run, as the step's record keeps it. */
export interface NodeRun {
  instanceId: string;
  status: string;
  statusDetails?: string;
  /** The commands' exit code (ResponseCode); -1 or absent while they have not ended. */
  exitCode?: number;
  output: string;
  error: string;
  /** Whether the whole stdout matched the plan's expectOutput; absent when the plan has none. */
  outputMatched?: boolean;
}

/** The last OUTPUT_KEPT characters, whitespace trimmed, saying when the start was cut. */
export function trimmed(text: string | undefined): string {
  const clean = (text ?? '').trim();
  return clean.length > OUTPUT_KEPT ? `…${clean.slice(clean.length - OUTPUT_KEPT)}` : clean;
}

export function nodeRunOf(instanceId: string, answer: Invocation | undefined, expectOutput?: string): NodeRun {
  if (!answer) return { instanceId, status: NOT_YET_KNOWN, output: '', error: '' };
  const run: NodeRun = {
    instanceId,
    status: answer.Status ?? 'Unknown',
    statusDetails: answer.StatusDetails,
    exitCode: answer.ResponseCode,
    output: trimmed(answer.StandardOutputContent),
    error: trimmed(answer.StandardErrorContent),
  };
  if (expectOutput !== undefined && TERMINAL_STATUSES.includes(run.status))
    run.outputMatched = new RegExp(expectOutput, 'm').test(answer.StandardOutputContent ?? '');
  return run;
}

export const isDone = (run: NodeRun): boolean => TERMINAL_STATUSES.includes(run.status);

/** Why a node that ended did not pass, or undefined when it passed. */
export function whyFailed(run: NodeRun, expectOutput?: string): string | undefined {
  const exit = run.exitCode !== undefined && run.exitCode >= 0 ? `, exit ${run.exitCode}` : '';
  const details = run.statusDetails && run.statusDetails !== run.status ? ` (${run.statusDetails})` : '';
  const said = run.error || run.output;
  const firstLine = said ? `: ${said.split('\n').filter(Boolean).pop()}` : '';
  if (run.status !== 'Success') return `${run.status}${details}${exit}${firstLine}`;
  if (run.exitCode !== 0) return `Success but exit ${run.exitCode ?? 'unknown'}${firstLine}`;
  if (expectOutput !== undefined && run.outputMatched !== true)
    return `exit 0 but its output does not match ${expectOutput}${run.output ? `: ${run.output.split('\n').pop()}` : ' (no output)'}`;
  return undefined;
}

export interface Verdict {
  /** Every node the command went to ended, each with success: the one way the step passes. */
  ok: boolean;
  passed: NodeRun[];
  failed: { run: NodeRun; why: string }[];
  /** Not ended yet (or not yet known to SSM). */
  pending: NodeRun[];
}

export function verdictOf(runs: readonly NodeRun[], expectOutput?: string): Verdict {
  const verdict: Verdict = { ok: false, passed: [], failed: [], pending: [] };
  for (const run of runs) {
    if (!isDone(run)) {
      verdict.pending.push(run);
      continue;
    }
    const why = whyFailed(run, expectOutput);
    if (why === undefined) verdict.passed.push(run);
    else verdict.failed.push({ run, why });
  }
  // No node is not a pass: a check that ran nowhere could not tell.
  verdict.ok = runs.length > 0 && verdict.passed.length === runs.length;
  return verdict;
}
