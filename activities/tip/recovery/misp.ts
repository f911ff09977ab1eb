/**
 * MISP's recovery state (FIELD-NOTES 16): a DR copy keeps the instance UUID (`GET /servers/getVersion`
 * returns `uuid`, MISP app/Controller/ServersController.php getVersion), and the same Security.salt
 * (password hashes), Security.encryption_key (encrypted settings and server keys) and GPG key:
 * compared as the digests each site's recoveryState command prints, never as values. What the check
 * keeps is "equal" or "differ" per key name.
 */
import type { Observation } from '../../../kinds/kit/activities/types';
import type { TipCall } from '../context';
import type { RecoveryCall } from './call';
import { mispRequest } from '../misp';
import { field, isString } from '../request';
import { failNonRetryable, failRetryable } from '../../../kinds/kit/activities/failures';
import { readBoth } from './sites';
import { isDigest, readState } from './state';
import { MISP_KEY_NAMES, type SiteRole } from '../../../domain';

async function uuidOf(call: TipCall, role: SiteRole): Promise<string> {
  const answer = await mispRequest(call, role, { method: 'GET', path: '/servers/getVersion', expect: 'json' });
  return field(
    call.who(role),
    answer.json,
    'uuid',
    isString,
    'instance uuid (MISP answers it from getVersion)',
  ).toLowerCase();
}

export async function identity(call: TipCall): Promise<Observation> {
  const { siteNames, serving } = call.args;
  const { here, there } = await readBoth(call, (role) => uuidOf(call, role), 'uuid');
  const facts = {
    [siteNames[serving]]: here.value,
    [siteNames[call.other]]: 'value' in there ? there.value : 'unknown',
  };
  if (!('value' in there))
    return { summary: `${call.who()}: instance ${here.value}; ${there.unknown}, taken as down in this outage`, facts };
  if (here.value !== there.value.toLowerCase()) {
    failRetryable(
      `${call.who()} is instance ${here.value} but ${siteNames[call.other]} is ${there.value} (by ${there.via}): a DR copy must keep MISP's instance UUID, or sync partners and feeds see another MISP`,
      'TipIdentityDiffers',
      facts,
    );
  }
  return {
    summary: `${call.who()}: the same instance UUID as ${siteNames[call.other]}, ${here.value} (by ${here.via} and ${there.via})`,
    facts,
  };
}

type Verdict = 'equal' | 'differ' | string;

export async function keys(call: RecoveryCall): Promise<Observation> {
  const { siteNames, serving, planned } = call.args;
  const names = call.recovery.recovery.keys ?? [...MISP_KEY_NAMES];
  const [here, there] = await Promise.all([readState(call, serving), readState(call, call.other)]);
  if ('unreadable' in here)
    failRetryable(`${call.who()}: cannot read its key digests: ${here.unreadable}`, 'TipRecoveryUnreadable');
  if ('unreadable' in there) {
    if (planned)
      failRetryable(
        `${call.who()}: cannot tell whether ${siteNames[call.other]} has the same keys: ${there.unreadable}`,
        'TipOtherSiteUnreadable',
      );
    return {
      summary: `${call.who()}: ${siteNames[call.other]} unreadable (${there.unreadable}), taken as down in this outage: compare the keys before failing back`,
      facts: {},
    };
  }
  const verdicts: Record<string, Verdict> = {};
  for (const name of names) {
    const a = here.values.get(name);
    const b = there.values.get(name);
    // A value that is not a digest is refused unread: it may be the secret itself.
    if (a === undefined || b === undefined)
      verdicts[name] = `missing on ${a === undefined ? siteNames[serving] : siteNames[call.other]}`;
    else if (!isDigest(a) || !isDigest(b))
      verdicts[name] =
        `not a hex digest on ${!isDigest(a) ? siteNames[serving] : siteNames[call.other]} (refused unread)`;
    else
      verdicts[name] =
        a.replace(/^sha\d+:/i, '').toLowerCase() === b.replace(/^sha\d+:/i, '').toLowerCase() ? 'equal' : 'differ';
  }
  const said = names.map((name) => `${name} ${verdicts[name]}`).join(', ');
  const bad = names.filter((name) => verdicts[name] !== 'equal');
  if (bad.length) {
    const unreadable = bad.some((name) => verdicts[name] !== 'differ');
    const failure = `${call.who()} and ${siteNames[call.other]}: ${said} (digests printed by each site's recoveryState command; the values are never read)`;
    if (unreadable)
      failNonRetryable(`${failure}: the plan's commands must print a hex digest for every key`, 'TipKeysUnreadable', {
        keys: verdicts,
      });
    failRetryable(
      `${failure}: users, encrypted settings or signatures made on one site fail on the other`,
      'TipKeysDiffer',
      { keys: verdicts },
    );
  }
  return {
    summary: `${call.who()} and ${siteNames[call.other]}: ${said} (digests compared, values never read)`,
    facts: { keys: verdicts },
  };
}
