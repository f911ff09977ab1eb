/** What every profile check knows: its arguments, the site that serves and the other one, and how to name them. */
import { otherSite, type SiteRole, type TipArgs, type TipCheckId, type TipPlatform } from '../../domain';
import type { Observation } from '../../kinds/kit/activities/types';
import type { TipEndpoint } from './request';

export const PLATFORM_NAMES: Record<TipPlatform, string> = {
  threatconnect: 'ThreatConnect',
  opencti: 'OpenCTI',
  misp: 'MISP',
};

export interface TipCall {
  args: TipArgs;
  /** The step's id, for where a secret or a command comes from. */
  stepId: string;
  /** Working directory of the monitorsEnabled commands. */
  workdir: string;
  other: SiteRole;
  /** "OpenCTI on lab-fra". */
  who(role?: SiteRole): string;
  /**
   * The site's endpoint, with the secrets its credentials add to `secrets` for redaction: `site` is
   * the URL users and consumers reach (tip.<site>.url), `api` the API's own where the plan gives one
   * (tip.<site>.apiUrl: OpenCTI's API/connector endpoint), else the same.
   */
  endpoint(role: SiteRole, secrets: string[], use?: 'site' | 'api'): TipEndpoint;
}

/** One platform's checks; a platform answers only the checks TIP_CHECKS gives it. */
export type PlatformChecks = Partial<Record<TipCheckId, (call: TipCall) => Promise<Observation>>>;

export function tipCall(args: TipArgs, stepId: string, workdir: string): TipCall {
  const who = (role: SiteRole = args.serving) => `${PLATFORM_NAMES[args.platform]} on ${args.siteNames[role]}`;
  return {
    args,
    stepId,
    workdir,
    other: otherSite(args.serving),
    who,
    endpoint: (role, secrets, use = 'site') => ({
      who: who(role),
      baseUrl: ((use === 'api' ? args.sites[role].apiUrl : undefined) ?? args.sites[role].url).replace(/\/+$/, ''),
      timeoutMs: args.requestTimeoutMs,
      secrets,
    }),
  };
}
