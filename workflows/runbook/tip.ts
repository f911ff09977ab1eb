/**
 * The TIP profile's checks as step drafts: the DR guide's "Check" list (app and system health,
 * indicators present, indicators download, playbooks/automation, jobs on exactly one server) on the
 * site that serves in a phase, each a tip* activity speaking the plan's platform's API. Pure.
 */
import type { StepDraft } from '../../kinds/kit/recipe/recipe';
import {
  START_GRACE_MS,
  TIP_ACTION_OF,
  TIP_CHECKS,
  TIP_CHECKS_AFTER_A_START,
  TIP_DEFAULTS,
  type PhaseId,
  type Plan,
  type SiteRole,
  type TipCheckId,
  type TipPlatform,
  type TipThresholds,
} from '../../domain';

/** Where the checks go: the segment of each check phase after which the platform must serve. */
export const TIP_SEGMENTS: Partial<Record<PhaseId, string>> = {
  preparation: 'health',
  check: 'health',
  'failover-check': 'verify',
  'failback-check': 'verify',
};

const NAMES: Record<TipPlatform, string> = { threatconnect: 'ThreatConnect', opencti: 'OpenCTI', misp: 'MISP' };

function what(platform: TipPlatform, check: TipCheckId, t: TipThresholds, other: string): string {
  switch (check) {
    case 'health':
      return platform === 'opencti'
        ? 'health endpoint and the GraphQL API answer (platform version)'
        : platform === 'misp'
          ? 'the API answers signed in (/servers/getVersion)'
          : 'the v3 API answers signed in (security/owners)';
    case 'indicators':
      return `indicators are present (at least ${t.minCount}${t.total === 'statistics' ? '; the total from attributeStatistics' : ''})`;
    case 'download':
      return platform === 'misp'
        ? `attributes download as CSV (restSearch, at least ${t.minRows} row${t.minRows === 1 ? '' : 's'})`
        : `indicators download (at least ${t.minRows} row${t.minRows === 1 ? '' : 's'})`;
    case 'playbooks':
      return `playbooks are listed and the active ones counted (at least ${t.minActive})`;
    case 'connectors':
      return `connectors are active (at least ${t.minActive}, by the platform's own active: a heartbeat within 5 min), and none active on ${other}`;
    case 'workers':
      return `background workers are alive (${(t.queues ?? []).join(', ')})`;
    case 'jobs':
      return platform === 'misp'
        ? `scheduled tasks run on exactly one node (a ${t.schedulerQueue ?? 'scheduler'} worker here, none on ${other})`
        : `jobs run on exactly one app server (monitorsEnabled here, not on ${other})`;
  }
}

/** The effective thresholds of one check: the defaults, then what the plan says. */
function thresholdsOf(check: TipCheckId, set: TipThresholds | undefined, phase: PhaseId): TipThresholds {
  const within = TIP_CHECKS_AFTER_A_START.includes(phase) ? START_GRACE_MS : undefined;
  return { ...TIP_DEFAULTS[check], ...(within !== undefined ? { within } : {}), ...set };
}

/** The profile's checks for one phase on the site that serves in it; none for `generic` or a plan without `tip`. */
export function tipDrafts(plan: Plan, phase: PhaseId, serving: SiteRole, planned: boolean): StepDraft[] {
  const { tip, platform } = plan;
  if (!tip || platform === 'generic') return [];
  const siteNames = { primary: plan.sites.primary.name, secondary: plan.sites.secondary.name };
  const other = siteNames[serving === 'primary' ? 'secondary' : 'primary'];
  const drafts: StepDraft[] = [];
  for (const check of TIP_CHECKS[platform]) {
    const setting = tip.checks[check];
    if (setting === 'off') continue;
    const thresholds = thresholdsOf(check, setting, phase);
    // A few requests each, then the wait for what appears after a start.
    const timeoutMs = tip.timeout * 4 + (thresholds.within ?? 0) + 10_000;
    drafts.push({
      key: `tip-${check}`,
      title: `${NAMES[platform]} on ${siteNames[serving]}: ${what(platform, check, thresholds, other)}`,
      action: TIP_ACTION_OF[check],
      site: serving,
      args: {
        platform,
        check,
        serving,
        siteNames,
        sites: { primary: tip.primary, secondary: tip.secondary },
        planned,
        thresholds,
        requestTimeoutMs: tip.timeout,
      },
      timeoutMs,
    });
  }
  return drafts;
}
