/**
 * The TIP's own recovery state (domain/tipRecovery.ts), one activity per check: the same release on
 * both sites, MISP's instance UUID and key digests, OpenCTI's connector queues, stream retention and
 * managers. Read-only; each a sentence with what it compared; a check that cannot tell fails.
 */
import { failNonRetryable } from '../../../kinds/kit/activities/failures';
import type { Observation, StepDriver, StepInput } from '../../../kinds/kit/activities/types';
import { passWithin } from '../../../kinds/kit/activities/within';
import { recoveryCall, type RecoveryCall } from './call';
import { identity, keys } from './misp';
import { managers, queues, streams } from './opencti';
import { version } from './version';
import { TIP_RECOVERY_CHECKS, type TipRecoveryAction, type TipRecoveryCheckId } from '../../../domain';

const CHECKS: Record<TipRecoveryCheckId, (call: RecoveryCall) => Promise<Observation>> = {
  version,
  identity,
  keys,
  queues,
  streams,
  managers,
};

export async function runTipRecoveryCheck(input: StepInput<TipRecoveryAction>, workdir: string): Promise<Observation> {
  const { args } = input.step;
  if (!TIP_RECOVERY_CHECKS[args.platform]?.includes(args.check))
    return failNonRetryable(`${args.platform} has no recovery-state check "${args.check}"`, 'TipCheckUnknown');
  const call = recoveryCall(args, input.step.id, workdir);
  return passWithin(args.thresholds.within, `${call.who()}: ${args.check}`, () => CHECKS[args.check](call));
}

export function createTipRecoveryActivities(deps: { workdir: string }): { [A in TipRecoveryAction]: StepDriver<A> } {
  const run = (input: StepInput<TipRecoveryAction>) => runTipRecoveryCheck(input, deps.workdir);
  return { tipVersion: run, tipIdentity: run, tipKeys: run, tipQueues: run, tipStreams: run, tipManagers: run };
}
