/**
 * A health check right after a start waits for what it checks (a server still opening its port,
 * replicas still rolling out) instead of failing and being retried: retries are for faults, not for
 * waiting. The wait is the driver's own `within`, else the component's, else START_GRACE_MS; checks
 * that already wait for a bound of their own (HEALTH_CHECKS_THAT_WAIT) are left as they are. Pure.
 */
import { withWait } from '../../kinds/kit/recipe/driverStep';
import type { StepDraft } from '../../kinds/kit/recipe/recipe';
import { HEALTH_AFTER_A_START, START_GRACE_MS, type PhaseId, type StepTuning } from '../../domain';
import { HEALTH_CHECKS_THAT_WAIT } from '../../kinds';

/** One request of an HTTP check, one run of a command: what a wait adds its bound to. */
const ONE_HTTP_TRY_MS = 10_000;
const ONE_COMMAND_RUN_MS = 60_000;

export function withStartGrace(draft: StepDraft, phase: PhaseId, tuning: StepTuning, stepTimeoutMs: number): StepDraft {
  if (!HEALTH_AFTER_A_START.includes(phase)) return draft;
  const within = tuning.within ?? START_GRACE_MS;
  switch (draft.action) {
    // Commands on every node check what the nodes run now, bounded by their own timeout; a wait would send them again.
    case 'manualTask':
    case 'runSsmCommand':
      return draft;
    case 'checkHttp': {
      const http = { ...draft.args.http, within: draft.args.http.within ?? within };
      return {
        ...draft,
        args: { ...draft.args, http },
        timeoutMs: withWait(http.timeout, http.within, ONE_HTTP_TRY_MS),
      };
    }
    case 'runCommand': {
      const command = { ...draft.args.command, within: draft.args.command.within ?? within };
      return {
        ...draft,
        args: { ...draft.args, command },
        timeoutMs: withWait(command.timeout, command.within, ONE_COMMAND_RUN_MS),
      };
    }
    default:
      if (HEALTH_CHECKS_THAT_WAIT.includes(draft.action) || draft.args.within !== undefined) return draft;
      return {
        ...draft,
        args: { ...draft.args, within },
        timeoutMs: withWait(draft.timeoutMs ?? stepTimeoutMs, within, stepTimeoutMs),
      } as StepDraft;
  }
}
