/**
 * Both sites run the same platform release: a standby on a newer release migrates the data when it
 * starts (OpenCTI and MISP run their schema migrations at start), and failing back to the older
 * release then breaks. Each site's release from its API: MISP `GET /servers/getVersion` → `version`;
 * OpenCTI GraphQL `about { version }` (with a valid token: on older schemas it answers without one,
 * FIELD-NOTES 16); ThreatConnect `GET /v3/openApi` → `info.version` (the v3 OpenAPI document,
 * developer docs rest_api/v3/retrieve_open_api_doc; whether its version follows the platform's
 * release is install-specific: confirm on yours, or give recoveryState's `version`). Releases compare
 * by their numbers (`2.5.2` in "2.5.2-standin", `6.4.0` in "opencti/platform:6.4.0").
 */
import type { Observation } from '../../../kinds/kit/activities/types';
import type { TipCall } from '../context';
import { mispRequest } from '../misp';
import { graphql } from '../opencti';
import { field, isString } from '../request';
import { tcRequest } from '../tcRequest';
import { failRetryable } from '../../../kinds/kit/activities/failures';
import { readBoth } from './sites';
import type { SiteRole } from '../../../domain';

export const releaseOf = (text: string): string => /\d+(?:\.\d+)+/.exec(text)?.[0] ?? text;

export async function apiVersion(call: TipCall, role: SiteRole): Promise<string> {
  const who = call.who(role);
  if (call.args.platform === 'misp')
    return field(
      who,
      (await mispRequest(call, role, { method: 'GET', path: '/servers/getVersion', expect: 'json' })).json,
      'version',
      isString,
      'MISP version',
    );
  if (call.args.platform === 'opencti')
    return field(
      who,
      await graphql(call, role, 'query DrillVersion { about { version } }'),
      'about.version',
      isString,
      'platform version',
    );
  return field(
    who,
    (await tcRequest(call, role, { method: 'GET', path: '/api/v3/openApi', expect: 'json' })).json,
    'info.version',
    isString,
    'v3 API version (openApi info.version)',
  );
}

export async function version(call: TipCall): Promise<Observation> {
  const { siteNames, serving } = call.args;
  const { here, there } = await readBoth(call, (role) => apiVersion(call, role), 'version');
  const facts = {
    [siteNames[serving]]: here.value,
    [siteNames[call.other]]: 'value' in there ? there.value : 'unknown',
  };
  if (!('value' in there))
    return {
      summary: `${call.who()}: runs ${here.value}; ${there.unknown}, taken as down in this outage: compare the releases before failing back`,
      facts,
    };
  if (releaseOf(here.value) !== releaseOf(there.value)) {
    failRetryable(
      `${call.who()} runs ${here.value} but ${siteNames[call.other]} runs ${there.value} (by ${there.via}): a standby on a newer release migrates the data when it starts, and failing back to the older one breaks`,
      'TipVersionsDiffer',
      facts,
    );
  }
  return {
    summary: `${call.who()}: the same release as ${siteNames[call.other]}, ${releaseOf(here.value)} (${siteNames[serving]} ${here.value} by ${here.via}, ${siteNames[call.other]} ${there.value} by ${there.via})`,
    facts,
  };
}
