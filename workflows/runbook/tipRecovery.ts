/**
 * The TIP's own recovery state and its time to protection as step drafts (domain/tipRecovery.ts):
 * with `tip.recovery`, the recovery-state checks in preparation and the failover check (and the
 * readiness precheck); with `tip.protection`, in a drill the test indicator planted at the end of the
 * failover's guard (before its first stop), looked for on the new site right after its health checks
 * (the end of the time to protection), and removed in wrap-up, and again by the runbook's cleanup on
 * any other ending. Pure.
 */
import type { StepDraft } from '../../kinds/kit/recipe/recipe';
import {
  START_GRACE_MS,
  TIP_CHECKS_AFTER_A_START,
  TIP_RECOVERY_ACTION_OF,
  TIP_RECOVERY_CHECKS,
  TIP_RECOVERY_PHASES,
  type DrillMode,
  type PhaseId,
  type Plan,
  type SiteRole,
  type StepAction,
  type TipPlatform,
  type TipProtection,
  type TipRabbitmqSite,
  type TipRecoveryCheckId,
  type TipThresholds,
} from '../../domain';

const NAMES: Record<TipPlatform, string> = { threatconnect: 'ThreatConnect', opencti: 'OpenCTI', misp: 'MISP' };

const seconds = (ms: number): string =>
  ms % 3_600_000 === 0
    ? `${ms / 3_600_000} h`
    : ms % 60_000 === 0
      ? `${ms / 60_000} min`
      : `${Math.round(ms / 1000)} s`;

function what(plan: Plan, check: TipRecoveryCheckId, here: string, other: string): string {
  switch (check) {
    case 'version':
      return `runs the same release as ${other} (a newer standby migrates the data and failing back breaks)`;
    case 'identity':
      return `has the same instance UUID as ${other} (/servers/getVersion)`;
    case 'keys':
      return `has the same ${(plan.tip?.recovery?.keys ?? ['Security.salt', 'Security.encryption_key', 'GnuPG.fingerprint']).join(', ')} as ${other}, compared as digests`;
    case 'queues':
      return `every registered connector has its push and listen queues on ${here}'s RabbitMQ`;
    case 'streams':
      return `the Redis stream (REDIS__TRIMMING) keeps events for longer than the RTO objective${plan.objectives.rto !== undefined ? ` (${seconds(plan.objectives.rto)})` : ''}, so stream consumers resume`;
    case 'managers':
      return `background managers run here and not on ${other}`;
  }
}

function rabbitmqOf(plan: Plan): Record<SiteRole, TipRabbitmqSite> | undefined {
  const component = plan.tip?.recovery?.rabbitmq ? plan.components[plan.tip.recovery.rabbitmq] : undefined;
  if (component?.kind !== 'rabbitmq') return undefined;
  const site = (role: SiteRole): TipRabbitmqSite => ({
    url: component[role].url,
    username: component.username,
    password: component.password,
    vhost: component.vhost,
    // Only with a tls block, so the plans before it compile to the same arguments.
    ...(component.tls ? { ca: component.tls.ca.file } : {}),
  });
  return { primary: site('primary'), secondary: site('secondary') };
}

/** The recovery-state checks of one phase on the site that serves; none without `tip.recovery`. */
export function tipRecoveryDrafts(plan: Plan, phase: PhaseId, serving: SiteRole, planned: boolean): StepDraft[] {
  const { tip, platform } = plan;
  if (!tip?.recovery || platform === 'generic' || !TIP_RECOVERY_PHASES.includes(phase)) return [];
  const siteNames = { primary: plan.sites.primary.name, secondary: plan.sites.secondary.name };
  const other = siteNames[serving === 'primary' ? 'secondary' : 'primary'];
  const rabbitmq = rabbitmqOf(plan);
  const drafts: StepDraft[] = [];
  for (const check of TIP_RECOVERY_CHECKS[platform]) {
    const setting = tip.checks[check];
    if (setting === 'off') continue;
    const thresholds: TipThresholds = {
      ...(TIP_CHECKS_AFTER_A_START.includes(phase) ? { within: START_GRACE_MS } : {}),
      ...setting,
    };
    drafts.push({
      key: `tip-${check}`,
      title: `${NAMES[platform]} on ${siteNames[serving]}: ${what(plan, check, siteNames[serving], other)}`,
      action: TIP_RECOVERY_ACTION_OF[check],
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
        recovery: tip.recovery,
        ...(plan.objectives.rto !== undefined ? { rtoMs: plan.objectives.rto } : {}),
        ...(check === 'queues' && rabbitmq ? { rabbitmq } : {}),
      },
      // A few requests per site and the state commands, then the wait for what appears after a start.
      timeoutMs: tip.timeout * 6 + (thresholds.within ?? 0) + 10_000,
    });
  }
  return drafts;
}

/** Where consumers read the indicator on a site, for titles. */
function servedWhere(platform: TipPlatform, protection: TipProtection): string {
  if (protection.consumer) return 'the consumer URL the plan names';
  if (platform === 'misp') return 'the text export /attributes/text/download/ip-dst';
  if (platform === 'opencti') return `TAXII collection ${protection.collection ?? '?'}`;
  return 'the v3 indicators API';
}

type ProtectionStep = 'plant' | 'served' | 'remove';

function protectionDraft(plan: Plan, which: ProtectionStep, site: SiteRole): StepDraft {
  const tip = plan.tip!;
  const platform = plan.platform as TipPlatform;
  const protection = tip.protection!;
  const siteNames = { primary: plan.sites.primary.name, secondary: plan.sites.secondary.name };
  const args = {
    platform,
    siteNames,
    sites: { primary: tip.primary, secondary: tip.secondary },
    requestTimeoutMs: tip.timeout,
    site,
    protection,
  };
  const name = `${NAMES[platform]} on ${siteNames[site]}`;
  if (which === 'plant') {
    return {
      key: 'tip-protection-plant',
      title: `${name}: plant the drill's test indicator (a TEST-NET-1 address labelled with this drill's run) before the first stop`,
      action: 'tipProtectionPlant',
      site,
      args,
      timeoutMs: tip.timeout * 4 + 10_000,
    };
  }
  if (which === 'served') {
    return {
      key: 'tip-protection-served',
      title: `${name}: the test indicator is served where consumers read it (${servedWhere(platform, protection)}): the time to protection`,
      action: 'tipProtectionServed',
      site,
      args,
      marks: ['protection-end'],
      timeoutMs: protection.within + tip.timeout * 2 + 10_000,
    };
  }
  return {
    key: 'tip-protection-remove',
    title: `${NAMES[platform]}: remove the drill's test indicator on ${siteNames.primary} and ${siteNames.secondary}`,
    action: 'tipProtectionRemove',
    site,
    args,
    timeoutMs: tip.timeout * 6 + 10_000,
  };
}

/** The protection steps a segment gets: only in a drill (a planned switchover), only with tip.protection. */
export function tipProtectionDrafts(plan: Plan, mode: DrillMode, phase: PhaseId, segment: string): StepDraft[] {
  if (mode !== 'drill' || !plan.tip?.protection || plan.platform === 'generic') return [];
  if (phase === 'failover' && segment === 'guard') return [protectionDraft(plan, 'plant', 'primary')];
  if (phase === 'failover-check' && segment === 'health') return [protectionDraft(plan, 'served', 'secondary')];
  if (phase === 'wrap-up' && segment === 'end') return [protectionDraft(plan, 'remove', 'primary')];
  return [];
}

/** The runbook's cleanup: the removal again, for endings that never reached wrap-up. */
export function tipCleanupDrafts(plan: Plan, mode: DrillMode): { draft: StepDraft; after: StepAction }[] {
  if (mode !== 'drill' || !plan.tip?.protection || plan.platform === 'generic') return [];
  return [{ draft: protectionDraft(plan, 'remove', 'primary'), after: 'tipProtectionPlant' }];
}
