/**
 * The `tip` activity family: the TIP profile's checks, one activity per check, each speaking the
 * plan's platform's real API (ThreatConnect v3 with HMAC or a token, OpenCTI's health endpoint and
 * GraphQL, MISP's REST API). Read-only; a check that cannot tell fails, it never passes.
 */
import { failNonRetryable } from '../../kinds/kit/activities/failures';
import type { Observation, StepDriver, StepInput } from '../../kinds/kit/activities/types';
import { passWithin } from '../../kinds/kit/activities/within';
import { tipCall, type PlatformChecks } from './context';
import { mispChecks } from './misp';
import { openctiChecks } from './opencti';
import { threatconnectChecks } from './threatconnect';
import type { TipAction, TipPlatform } from '../../domain';

const CHECKS: Record<TipPlatform, PlatformChecks> = {
  threatconnect: threatconnectChecks,
  opencti: openctiChecks,
  misp: mispChecks,
};

/** Runs one profile check; with `within` it asks again until it passes (jobs and heartbeats appear after a start). */
export async function runTipCheck(input: StepInput<TipAction>, workdir: string): Promise<Observation> {
  const { args } = input.step;
  const check = CHECKS[args.platform]?.[args.check];
  if (!check) return failNonRetryable(`${args.platform} has no TIP check "${args.check}"`, 'TipCheckUnknown');
  const call = tipCall(args, input.step.id, workdir);
  return passWithin(args.thresholds.within, `${call.who()}: ${args.check}`, () => check(call));
}

export function createTipActivities(deps: { workdir: string }): { [A in TipAction]: StepDriver<A> } {
  const run = (input: StepInput<TipAction>) => runTipCheck(input, deps.workdir);
  return {
    tipHealth: run,
    tipIndicators: run,
    tipDownload: run,
    tipPlaybooks: run,
    tipConnectors: run,
    tipWorkers: run,
    tipJobs: run,
  };
}
