/**
 * Every TIP profile check against every release the stand-in answers as (lab/tip/versions.ts),
 * with the real client code (activities/tip/) over HTTP on 127.0.0.1: where the platform is healthy
 * the verdict is the same on every release; where it is not, the check fails for the right reason,
 * in the sentence the operator reads. Each release's behaviour is the one its source has
 * (FIELD-NOTES 16): MISP's X-Result-Count per release, its site-admin-only getWorkers, the
 * background-job backends; OpenCTI's heartbeat in updated_at or in Redis, `about` without a token on
 * 6.x, every refusal code; ThreatConnect's playbooks and job executions from 7.6, failed executions
 * carrying failedTime.
 *
 * What this does not prove: the stand-in is not MISP, OpenCTI or ThreatConnect (none runs here). It
 * models the behaviours above as their source reads; the rest of a real release (its other fields,
 * its permissions beyond site admin and MODULES/KNOWLEDGE, TQL beyond one clause, rate limits, the
 * release number where OpenCTI moved heartbeats to Redis) is not exercised.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runTipCheck } from '../activities/tip';
import { formatPlanError, parsePlan } from '../plan/load';
import { ROOT } from './support/standinLab';
import { compiledCheck, failure } from './support/tipChecks';
import { startTipPair, tipPlanYaml, type SiteOptions, type TipPair } from './support/tipStandin';
import { TIP_CHECKS, type PhaseId, type Plan, type StepInput, type TipAction, type TipCheckId } from '../domain';
import { releaseOf, type PersonalityName } from '../lab/tip';

type Edit = (tip: Record<string, unknown>) => void;

function plan(platform: PersonalityName, pair: TipPair, edit?: Edit): Plan {
  const result = parsePlan(tipPlanYaml(platform, pair, edit));
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

async function check(
  platform: PersonalityName,
  pair: TipPair,
  id: TipCheckId,
  options: { edit?: Edit; phase?: PhaseId } = {},
) {
  const step = compiledCheck(plan(platform, pair, options.edit), id, options.phase);
  return runTipCheck({ drillId: 'drill-tip-versions', target: 'tip', step } as StepInput<TipAction>, ROOT);
}

const pairs: TipPair[] = [];
/** A pair answering as `version` on both sites, jobs running on the primary only. */
async function pair(
  personality: PersonalityName,
  version: string | undefined,
  primary: SiteOptions = {},
  secondary: SiteOptions = {},
  seed = true,
) {
  const started = await startTipPair(
    personality,
    { primary: { monitorsEnabled: true, version, ...primary }, secondary: { version, ...secondary } },
    seed,
  );
  pairs.push(started);
  return started;
}
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

const RELEASES: Record<PersonalityName, string[]> = {
  misp: [
    '2.4.160+cakeresque',
    '2.4.160+simple+scheduler_worker',
    '2.4.170+cakeresque',
    '2.4.170+simple+scheduler_worker',
    '2.5.1+cakeresque',
    '2.5.1+simple+scheduler_worker',
  ],
  opencti: ['6.4.0', 'redis-heartbeat'],
  threatconnect: ['7.7'],
};

describe('--version: the releases the stand-in knows', () => {
  it('reads a release and its options, and refuses what it cannot answer as', () => {
    expect(releaseOf('misp', '2.4.160')).toEqual({
      version: '2.4.160',
      resultCount: 'total',
      backgroundJobs: 'simple',
      schedulerWorker: false,
      procAccessible: true,
    });
    expect(releaseOf('misp', '2.4.150')).toMatchObject({ resultCount: 'rows', backgroundJobs: 'cakeresque' });
    expect(releaseOf('misp')).toMatchObject({
      version: '2.5.1',
      resultCount: 'capped',
      backgroundJobs: 'simple',
      schedulerWorker: true,
    });
    expect(releaseOf('threatconnect', '7.5')).toEqual({ version: '7.5', playbooksAndJobExecutions: false });
    expect(releaseOf('opencti', 'redis-heartbeat')).toMatchObject({ heartbeat: 'redis', aboutWithoutAuth: false });
    expect(() => releaseOf('misp', '2.4.150+simple')).toThrow(
      '--version for misp: SimpleBackgroundJobs came in 2.4.151, not in 2.4.150',
    );
    expect(() => releaseOf('misp', '2.5.1+redis')).toThrow(
      '--version for misp: unknown option redis; options are cakeresque, simple, scheduler_worker, jobs_off, no_proc',
    );
    expect(() => releaseOf('threatconnect', '6.2')).toThrow(
      '--version for threatconnect: expected a 7.x release such as 7.5 or 7.7, got "6.2"',
    );
  });
});

describe('a healthy platform: every check passes on every release', () => {
  const cases = Object.entries(RELEASES).flatMap(([platform, versions]) =>
    versions.map((version) => [platform as PersonalityName, version] as const),
  );
  it.each(cases)('%s %s', async (platform, version) => {
    const tip = await pair(platform, version);
    await sleep(500); // the primary's first job runs (job executions, connector pings)
    for (const id of TIP_CHECKS[platform]) {
      const seen = await check(platform, tip, id);
      expect(seen.summary).toMatch(
        new RegExp(`^${platform === 'misp' ? 'MISP' : platform === 'opencti' ? 'OpenCTI' : 'ThreatConnect'} on dc1: `),
      );
    }
  });
});

describe('MISP: X-Result-Count read as each release means it', () => {
  async function big(version: string, attributes: number) {
    const misp = await pair('misp', version, {}, {}, false);
    for (let i = 0; i < attributes; i++) await misp.store.addIndicator(`198.51.100.${i % 250}`, 'ip-dst', 'primary');
    return misp;
  }
  const thousand: Edit = (tip) => (tip.checks = { indicators: { minCount: 1000 } });

  it('2.4.170 with 5,000 attributes: a full page of 1,001 says "more than 1,000", never a total', async () => {
    const misp = await big('2.4.170+simple+scheduler_worker', 5000);
    const seen = await check('misp', misp, 'indicators', { edit: thousand });
    expect(seen.summary).toBe(
      'MISP on dc1: more than 1,000 attributes (a full restSearch page of 1,001: X-Result-Count is no total on MISP 2.4.170; total: statistics gives one)',
    );
    expect(seen.facts).toMatchObject({ resultCount: 1002, pageLimit: 1001, reading: 'more than' });
  });

  it('2.4.160 sends the real total; 2.4.170 below the page is exact', async () => {
    const old = await big('2.4.160+cakeresque', 5000);
    expect((await check('misp', old, 'indicators', { edit: thousand })).summary).toBe(
      'MISP on dc1: 5,000 attributes (X-Result-Count, a total on this release)',
    );
    const few = await big('2.4.170+simple+scheduler_worker', 3);
    expect(
      (
        await failure(
          check('misp', few, 'indicators', { edit: (tip) => (tip.checks = { indicators: { minCount: 5 } }) }),
        )
      ).message,
    ).toBe('MISP on dc1: 3 attributes, expected at least 5');
  });

  it('total: statistics sums attributeStatistics and says it counts soft-deleted ones too', async () => {
    const misp = await big('2.5.1+simple+scheduler_worker', 1500);
    const seen = await check('misp', misp, 'indicators', {
      edit: (tip) => (tip.checks = { indicators: { minCount: 1000, total: 'statistics' } }),
    });
    expect(seen.summary).toBe(
      'MISP on dc1: more than 1,000 attributes; 1,500 attributes in total by attributeStatistics (soft-deleted ones included)',
    );
  });
});

describe('MISP: getWorkers is site admin only, and the background-job backend decides what it lists', () => {
  it("a key that is not a site admin's: health passes, workers and jobs say the key must be a site admin's", async () => {
    const misp = await pair(
      'misp',
      undefined,
      { credentials: { siteAdmin: false } },
      { credentials: { siteAdmin: false } },
    );
    expect((await check('misp', misp, 'health')).summary).toMatch(/^MISP on dc1: the API answers signed in/);
    for (const id of ['workers', 'jobs'] as const) {
      const error = await failure(check('misp', misp, id));
      expect(error.message).toBe(
        "MISP on dc1: this key is not a site admin's: /servers/getWorkers needs a site-admin key",
      );
      expect(error.nonRetryable).toBe(true);
    }
  });

  it('a wrong key is still a wrong key on getWorkers, not a site-admin question', async () => {
    const misp = await pair('misp', undefined, { secret: 'another-key' });
    expect((await failure(check('misp', misp, 'workers'))).message).toBe(
      'MISP on dc1 refused the API credentials: GET /servers/getWorkers answered 403 (wrong key or token, or the API user lacks the permission)',
    );
  });

  it('SimpleBackgroundJobs without scheduler_worker: workers pass, jobs say there is no scheduler queue to see', async () => {
    const misp = await pair('misp', '2.4.170+simple');
    expect((await check('misp', misp, 'workers')).summary).toBe(
      'MISP on dc1: background workers alive on default 1, prio 1, email 1, cache 1, update 1',
    );
    const error = await failure(check('misp', misp, 'jobs'));
    expect(error.message).toBe(
      'MISP on dc1: this MISP runs SimpleBackgroundJobs without scheduler_worker: no scheduler queue to see; cron-driven tasks are invisible to the API',
    );
  });

  it('background jobs off, or /proc unreadable: the checks cannot tell and fail', async () => {
    const off = await pair('misp', '2.5.1+jobs_off');
    expect((await failure(check('misp', off, 'workers'))).message).toBe(
      'MISP on dc1: background jobs are not enabled (getWorkers answered "Background jobs not enabled"): no worker to see',
    );
    const noProc = await pair('misp', '2.5.1+simple+scheduler_worker+no_proc');
    expect((await failure(check('misp', noProc, 'workers'))).message).toBe(
      'MISP on dc1: cannot tell whether background workers are alive on default, prio, email, cache, update: its workers\' alive is "N/A" (MISP cannot read /proc, proc_accessible false)',
    );
    expect((await failure(check('misp', noProc, 'jobs'))).message).toBe(
      'MISP on dc1: cannot tell whether a scheduler worker is alive: its workers\' alive is "N/A" (MISP cannot read /proc, proc_accessible false)',
    );
  });

  it('CakeResque lists the scheduler on both nodes: two live ones fail', async () => {
    const misp = await pair('misp', '2.4.160+cakeresque', {}, { monitorsEnabled: true });
    expect((await failure(check('misp', misp, 'jobs'))).message).toBe(
      'MISP on dc1: scheduled tasks on two nodes: a live scheduler worker on both dc1 and dc2',
    );
  });
});

describe("OpenCTI: liveness is the platform's own active; every refusal code is a refusal", () => {
  it('the Redis-heartbeat release: updated_at is hours old while the connector is active, and the check passes', async () => {
    const oc = await pair('opencti', 'redis-heartbeat');
    await sleep(500);
    const seen = await check('opencti', oc, 'connectors');
    expect(seen.summary).toBe(
      'OpenCTI on dc1: 1/1 connectors active, newest updated_at 3 h ago (information only: the newest OpenCTI keeps heartbeats in Redis); none active on dc2',
    );
  });

  it('6.x answers about without a token, yet the health check refuses a wrong token (it asks me { id })', async () => {
    const oc = await pair('opencti', '6.4.0', { secret: 'the-platform-token' });
    const about = await fetch(`${oc.urls.primary}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ about { version } }' }),
    });
    expect(await about.json()).toEqual({ data: { about: { version: '6.4.0' } } });
    const error = await failure(check('opencti', oc, 'health'));
    expect(error.message).toBe(
      'OpenCTI on dc1 refused the API token: GraphQL answered "You must be logged in to do this. (AUTH_REQUIRED)"',
    );
    expect(error.nonRetryable).toBe(true);
  });

  it.each([
    'AUTH_REQUIRED',
    'FORBIDDEN_ACCESS',
    'AUTH_FAILURE',
    'OTP_REQUIRED',
    'OTP_REQUIRED_ACTIVATION',
    'PASSWORD_CHANGE_REQUIRED',
    'LTS_REQUIRED_ACTIVATION',
  ])('%s (HTTP 200) is refused, never data', async (code) => {
    // The health check's query (me, about) needs no capability: every code reads as a refused token.
    const oc = await pair('opencti', undefined, { credentials: { refusal: code } });
    const error = await failure(check('opencti', oc, 'health'));
    expect(error.message).toBe(
      `OpenCTI on dc1 refused the API token: GraphQL answered "The account is refused: ${code} (${code})"`,
    );
    expect(error.nonRetryable).toBe(true);
  });

  it('a token without MODULES: connectors say the capability is missing', async () => {
    const oc = await pair('opencti', 'redis-heartbeat', { credentials: { capabilities: ['KNOWLEDGE'] } });
    expect((await check('opencti', oc, 'indicators')).summary).toBe('OpenCTI on dc1: 2 indicators');
    expect((await failure(check('opencti', oc, 'connectors'))).message).toBe(
      'OpenCTI on dc1 refused the connectors query: the token\'s user lacks the MODULES capability, which the connectors query needs (GraphQL answered "You are not allowed to do this. (FORBIDDEN_ACCESS)")',
    );
  });
});

describe('ThreatConnect: playbooks and job executions from 7.6; failed executions said', () => {
  it('7.5: health, indicators and download pass; playbooks and jobs say the endpoint is absent', async () => {
    const tc = await pair('threatconnect', '7.5');
    for (const id of ['health', 'indicators', 'download'] as const)
      expect((await check('threatconnect', tc, id)).summary).toMatch(/^ThreatConnect on dc1: /);
    for (const id of ['playbooks', 'jobs'] as const) {
      const error = await failure(check('threatconnect', tc, id));
      expect(error.message).toMatch(/^ThreatConnect on dc1: endpoint absent: ThreatConnect < 7\.6 \(/);
      expect(error.nonRetryable).toBe(true);
    }
  });

  it('7.7: a newer failed execution after older completed ones is said not to be counted', async () => {
    const tc = await pair('threatconnect', '7.7');
    await sleep(500); // the primary completes a few runs
    tc.failJob('primary');
    const seen = await check('threatconnect', tc, 'jobs');
    expect(seen.summary).toMatch(
      /newest completed job execution on primary \d+ s ago \(\d+ completed executions in the last hour; failed executions carry failedTime, not completedTime, and are not counted\)$/,
    );
    expect(seen.facts).toMatchObject({ failuresCounted: false, newestServer: 'primary' });
  });

  it('7.7 after a failover: the new server only failed so far, so no completed execution there yet', async () => {
    const tc = await pair('threatconnect', '7.7');
    await sleep(500);
    tc.failJob('secondary');
    const flipped: Edit = (tip) => {
      (tip.primary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo false'] };
      (tip.secondary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo true'] };
      tip.checks = { jobs: { within: '1s' } };
    };
    const error = await failure(check('threatconnect', tc, 'jobs', { edit: flipped, phase: 'failover-check' }));
    expect(error.message).toMatch(
      /^ThreatConnect on dc2: no completed job execution yet on secondary; the newest completed one ran on primary \d+ s ago \(failed executions carry failedTime, not completedTime, and are not counted\); waited 1 s for it$/,
    );
  });
});
