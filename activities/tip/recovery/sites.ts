/**
 * Reading one fact of both sites for a comparison: from the site's API, or, where the site does not
 * answer (a cold standby, an old primary stopped by the switch), from its recoveryState command. The
 * serving site must answer. The other site that cannot be read fails a planned switch ("cannot
 * tell"), and in an outage is said as such: the comparison is then left to the failback.
 */
import { ApplicationFailure } from '@temporalio/common';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import type { TipCall } from '../context';
import { UNREACHABLE } from '../request';
import { readState } from './state';
import type { SiteRole } from '../../../domain';

export type SiteFact = { value: string; via: string } | { unknown: string };

async function readSite(
  call: TipCall,
  role: SiteRole,
  api: (role: SiteRole) => Promise<string>,
  stateKey: string,
): Promise<SiteFact> {
  try {
    return { value: await api(role), via: 'its API' };
  } catch (error) {
    if (!(error instanceof ApplicationFailure) || error.type !== UNREACHABLE) throw error;
    const state = await readState(call, role);
    if ('unreadable' in state)
      return { unknown: `${call.args.siteNames[role]} does not answer and ${state.unreadable}` };
    const value = state.values.get(stateKey);
    if (!value)
      return {
        unknown: `${call.args.siteNames[role]} does not answer and its recoveryState command printed no ${stateKey}`,
      };
    return { value, via: 'its recoveryState command' };
  }
}

/** The fact on the serving site (it must be read) and on the other (it may not be, in an outage). */
export async function readBoth(
  call: TipCall,
  api: (role: SiteRole) => Promise<string>,
  stateKey: string,
): Promise<{ here: { value: string; via: string }; there: SiteFact }> {
  const { serving, planned } = call.args;
  const here = await readSite(call, serving, api, stateKey);
  if ('unknown' in here)
    return failRetryable(`${call.who()}: cannot read its own ${stateKey}: ${here.unknown}`, 'TipRecoveryUnreadable');
  let there: SiteFact;
  try {
    there = await readSite(call, call.other, api, stateKey);
  } catch (error) {
    if (planned) throw error;
    there = { unknown: `${call.args.siteNames[call.other]} unreadable (${(error as Error).message})` };
  }
  if ('unknown' in there && planned)
    failRetryable(
      `${call.who()}: cannot tell whether ${call.args.siteNames[call.other]} has the same ${stateKey}: ${there.unknown}`,
      'TipOtherSiteUnreadable',
    );
  return { here, there };
}
