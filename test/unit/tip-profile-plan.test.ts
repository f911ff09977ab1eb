/**
 * The TIP profile in the plan and the runbook: `platform: threatconnect|opencti|misp` with a `tip:`
 * block lists the platform's TIP checks in preparation, check, failover-check and failback-check,
 * on the site that serves in each, and in the readiness precheck; `generic` lists none. A check can
 * be switched off or given other thresholds, and every mistake in the block is refused naming its
 * path and what is accepted. Pure: no servers (tip-checks.test.ts runs the checks;
 * tip-profile-cli.test.ts shows them through the built CLI).
 */
import { formatPlanError, parsePlan } from '../../plan/load';
import { compilePrecheck, compileRunbook } from '../../workflows/runbook';
import { tipPlanYaml } from '../support/tipStandin';
import type { Plan, Step, TipArgs } from '../../domain';

const PAIR = {
  urls: { primary: 'https://cti-ams.example.com', secondary: 'https://cti-fra.example.com' },
  files: { secret: '/etc/drillbook/tip.key', healthKey: '/etc/drillbook/health.key', wrong: '' },
};

function parse(text: string): Plan {
  const result = parsePlan(text);
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

const errorsOf = (text: string): string[] => {
  const result = parsePlan(text);
  return result.ok ? [] : result.errors.map(formatPlanError);
};

const tipSteps = (plan: Plan, mode: 'drill' | 'failover' = 'drill') =>
  compileRunbook(plan, mode).phases.flatMap((phase) =>
    phase.steps
      .filter((s) => s.action.startsWith('tip'))
      .map((s) => ({ phase: phase.id, segment: s.segment, site: s.site, action: s.action, id: s.id })),
  );

const EXPECTED = {
  threatconnect: ['tipHealth', 'tipIndicators', 'tipDownload', 'tipPlaybooks', 'tipJobs'],
  opencti: ['tipHealth', 'tipIndicators', 'tipDownload', 'tipConnectors'],
  misp: ['tipHealth', 'tipIndicators', 'tipDownload', 'tipWorkers', 'tipJobs'],
} as const;

describe('TIP profile in the runbook', () => {
  it.each(Object.entries(EXPECTED))(
    '%s: the checks in each check phase, on the site that serves',
    (platform, actions) => {
      const steps = tipSteps(parse(tipPlanYaml(platform as keyof typeof EXPECTED, PAIR)));
      const where = {
        preparation: ['health', 'primary'],
        check: ['health', 'primary'],
        'failover-check': ['verify', 'secondary'],
        'failback-check': ['verify', 'primary'],
      };
      for (const [phase, [segment, site]] of Object.entries(where)) {
        const inPhase = steps.filter((s) => s.phase === phase);
        expect(inPhase.map((s) => s.action)).toEqual(actions);
        expect(new Set(inPhase.map((s) => `${s.segment}/${s.site}`))).toEqual(new Set([`${segment}/${site}`]));
      }
      expect(
        steps.filter((s) => !['preparation', 'check', 'failover-check', 'failback-check'].includes(s.phase)),
      ).toEqual([]);
      expect(steps.find((s) => s.phase === 'check')?.id).toBe('check.tip-health');
    },
  );

  it('generic lists none', () => {
    expect(tipSteps(parse(tipPlanYaml('generic', undefined)))).toEqual([]);
  });

  it('a real outage checks the secondary, not planned (an unreadable primary does not fail "one server")', () => {
    const steps = compileRunbook(parse(tipPlanYaml('misp', PAIR)), 'failover')
      .phases.flatMap((p) => p.steps)
      .filter((s) => s.action.startsWith('tip'));
    expect(steps.map((s) => s.site)).toEqual(['secondary', 'secondary', 'secondary', 'secondary', 'secondary']);
    expect(steps.every((s) => (s.args as TipArgs).planned === false && !s.bestEffort)).toBe(true);
  });

  it('a check switched off is gone; thresholds override the defaults; after a start checks wait 30 s unless told', () => {
    const plan = parse(
      tipPlanYaml(
        'opencti',
        PAIR,
        (tip) => (tip.checks = { download: 'off', connectors: { minActive: 2 }, health: { within: '1m' } }),
      ),
    );
    const runbook = compileRunbook(plan, 'drill');
    const check = runbook.phases.find((p) => p.id === 'check')?.steps.filter((s) => s.action.startsWith('tip')) ?? [];
    expect(check.map((s) => s.action)).toEqual(['tipHealth', 'tipIndicators', 'tipConnectors']);
    const args = (s: Step | undefined) => s?.args as TipArgs;
    expect(args(check[2]).thresholds).toEqual({ minActive: 2, within: 30_000 });
    expect(args(check[0]).thresholds).toEqual({ within: 60_000 });
    const prep = runbook.phases[0].steps.filter((s) => s.action === 'tipIndicators');
    expect(args(prep[0]).thresholds).toEqual({ minCount: 1 });
    expect(check[2].title).toBe(
      "OpenCTI on dc1: connectors are active (at least 2, by the platform's own active: a heartbeat within 5 min), and none active on dc2",
    );
  });

  it('MISP indicators take total: statistics, named in the step title and carried to the check', () => {
    const plan = parse(
      tipPlanYaml('misp', PAIR, (tip) => (tip.checks = { indicators: { total: 'statistics', minCount: 10 } })),
    );
    const step = compileRunbook(plan, 'drill').phases[0].steps.find((s) => s.action === 'tipIndicators');
    expect((step?.args as TipArgs).thresholds).toEqual({ minCount: 10, total: 'statistics' });
    expect(step?.title).toBe('MISP on dc1: indicators are present (at least 10; the total from attributeStatistics)');
  });

  it('secrets stay references in the steps (no value ever enters a workflow input)', () => {
    const steps = compileRunbook(parse(tipPlanYaml('threatconnect', PAIR)), 'drill')
      .phases.flatMap((p) => p.steps)
      .filter((s) => s.action === 'tipHealth');
    expect((steps[0].args as TipArgs).sites.primary.secretKey).toEqual({ file: '/etc/drillbook/tip.key' });
  });

  it('the readiness precheck includes the TIP checks on the primary, and the monitorsEnabled program', () => {
    const steps = compilePrecheck(parse(tipPlanYaml('threatconnect', PAIR)));
    const tip = steps.filter((s) => s.action.startsWith('tip'));
    expect(tip.map((s) => s.id)).toEqual([
      'precheck.tip-health',
      'precheck.tip-indicators',
      'precheck.tip-download',
      'precheck.tip-playbooks',
      'precheck.tip-jobs',
    ]);
    expect(tip.every((s) => s.site === 'primary' && s.planPath === 'tip' && !s.destructive)).toBe(true);
    expect(steps.some((s) => s.planPath === 'tip.primary.monitorsEnabled')).toBe(true);
  });
});

describe('the tip block is validated, naming the path', () => {
  const cases: [string, string, RegExp][] = [
    [
      'an inline secret',
      tipPlanYaml('misp', PAIR, (t) => ((t.primary as Record<string, unknown>).key = 'abc123')),
      /^tip\.primary\.key: an inline API key is refused: write \{ env: VAR \} or \{ file: PATH \}/,
    ],
    [
      'a tip block on generic',
      tipPlanYaml('generic', PAIR).replace(
        'platform: generic',
        'platform: generic\ntip: { primary: { url: "http://a" }, secondary: { url: "http://b" } }',
      ),
      /^tip: platform generic has no TIP checks/,
    ],
    ['a platform without a tip block', tipPlanYaml('opencti', undefined), /^tip: platform opencti needs a tip block/],
    [
      'a check the platform lacks',
      tipPlanYaml('misp', PAIR, (t) => (t.checks = { playbooks: 'off' })),
      /^tip\.checks\.playbooks: platform misp has no check "playbooks"; its checks are health, indicators, download, workers, jobs/,
    ],
    [
      'a threshold the check does not take',
      tipPlanYaml('opencti', PAIR, (t) => (t.checks = { indicators: { schedulerQueue: 'x' } })),
      /^tip\.checks\.indicators\.schedulerQueue: check indicators takes minCount, within; not schedulerQueue/,
    ],
    [
      'a MISP-only threshold on another platform',
      tipPlanYaml('opencti', PAIR, (t) => (t.checks = { indicators: { total: 'statistics' } })),
      /^tip\.checks\.indicators\.total: total is for platform misp only; check indicators of opencti takes minCount, within$/,
    ],
    [
      'a total MISP cannot give',
      tipPlanYaml('misp', PAIR, (t) => (t.checks = { indicators: { total: 'exact' } })),
      /^tip\.checks\.indicators\.total: expected page \(a restSearch page: "more than N", or exact below the page; X-Result-Count is no total since MISP 2\.4\.166\) or statistics/,
    ],
    [
      'the retired heartbeat age',
      tipPlanYaml('opencti', PAIR, (t) => (t.checks = { connectors: { maxHeartbeatAge: '2m' } })),
      /^tip\.checks\.connectors\.maxHeartbeatAge: maxHeartbeatAge is retired: OpenCTI's own active field \(a heartbeat within 5 minutes\) decides .* Remove it$/,
    ],
    [
      'an unknown check',
      tipPlanYaml('opencti', PAIR, (t) => (t.checks = { backlog: 'off' })),
      /^tip\.checks\.backlog: platform opencti has no check "backlog"; its checks are health, indicators/,
    ],
    [
      'a bad duration',
      tipPlanYaml('opencti', PAIR, (t) => (t.checks = { connectors: { within: 'soon' } })),
      /^tip\.checks\.connectors\.within: expected a duration/,
    ],
    [
      'a field of another platform',
      tipPlanYaml('misp', PAIR, (t) => ((t.primary as Record<string, unknown>).token = { env: 'X' })),
      /^tip\.primary\.token: platform misp does not take token; a site takes url, key/,
    ],
    [
      'HMAC without its secret key',
      tipPlanYaml('threatconnect', PAIR, (t) => delete (t.secondary as Record<string, unknown>).secretKey),
      /^tip\.secondary\.secretKey: HMAC needs the secret key/,
    ],
    [
      'TC jobs without monitorsEnabled',
      tipPlanYaml('threatconnect', PAIR, (t) => delete (t.primary as Record<string, unknown>).monitorsEnabled),
      /^tip\.primary\.monitorsEnabled: the jobs check reads monitorsEnabled/,
    ],
    [
      'OpenCTI without its health key',
      tipPlanYaml('opencti', PAIR, (t) => delete (t.primary as Record<string, unknown>).healthKey),
      /^tip\.primary\.healthKey: expected APP__HEALTH_ACCESS_KEY/,
    ],
    [
      'a URL that is not http(s)',
      tipPlanYaml('misp', PAIR, (t) => ((t.primary as Record<string, unknown>).url = 'ftp://misp')),
      /^tip\.primary\.url: expected the platform's base URL/,
    ],
  ];
  it.each(cases)('%s', (_name, yaml, expected) => {
    expect(errorsOf(yaml)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('TC jobs switched off needs no monitorsEnabled command', () => {
    const yaml = tipPlanYaml('threatconnect', PAIR, (t) => {
      t.checks = { jobs: 'off' };
      for (const site of ['primary', 'secondary']) delete (t[site] as Record<string, unknown>).monitorsEnabled;
    });
    expect(errorsOf(yaml)).toEqual([]);
  });
});
