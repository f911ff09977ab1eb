/**
 * Every TIP profile check, with the real client code (activities/tip/), against the stand-in TIP
 * app answering as ThreatConnect, OpenCTI and MISP over HTTP on 127.0.0.1 (ports 27000-27999):
 * each passes with a sentence holding the figures it saw, and fails closed, naming the site and the
 * cause, on a wrong key, empty indicators, a stale connector, jobs on two servers and an HTML
 * sign-in page. The steps are the compiled runbook's, so the arguments are what a drill sends.
 *
 * What this does not prove: the stand-in is not ThreatConnect, OpenCTI or MISP (none can run here).
 * It answers the documented paths, auth schemes and shapes, as the default release of each
 * (FIELD-NOTES 13-16; tip-versions.test.ts runs the other releases); a real platform's edge cases
 * (rate limits, TQL beyond one clause, per-endpoint permissions beyond those modelled) are not exercised.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { runTipCheck } from '../activities/tip';
import { ROOT } from './support/standinLab';
import { compiledCheck, failure, planOf } from './support/tipChecks';
import { startTipPair, tipPlanYaml, type SiteOptions, type TipPair } from './support/tipStandin';
import type { PhaseId, Plan, StepInput, TipAction, TipCheckId } from '../domain';
import type { PersonalityName } from '../lab/tip';

type Edit = (tip: Record<string, unknown>) => void;

const plan = (platform: PersonalityName, pair: TipPair, edit?: Edit): Plan => planOf(tipPlanYaml(platform, pair, edit));

/** Runs one check as compiled for `phase` (preparation: primary serves, no waiting). */
async function check(
  platform: PersonalityName,
  pair: TipPair,
  id: TipCheckId,
  options: { edit?: Edit; phase?: PhaseId } = {},
) {
  const step = compiledCheck(plan(platform, pair, options.edit), id, options.phase);
  const input = { drillId: 'drill-tip', target: 'tip', step } as StepInput<TipAction>;
  return runTipCheck(input, ROOT);
}

/** A pair per test, closed after it. */
const pairs: TipPair[] = [];
async function pair(
  personality: PersonalityName,
  sites: { primary?: SiteOptions; secondary?: SiteOptions } = { primary: { monitorsEnabled: true } },
  seed = true,
) {
  const started = await startTipPair(personality, sites, seed);
  pairs.push(started);
  return started;
}
afterEach(async () => {
  for (const p of pairs.splice(0)) await p.close();
});

const wrongKey: Edit = (tip) => {
  for (const site of ['primary', 'secondary']) {
    const s = tip[site] as Record<string, unknown>;
    for (const key of ['secretKey', 'token', 'key'])
      if (s[key]) s[key] = { file: (s[key] as { file: string }).file.replace(/secret$/, 'wrong') };
  }
};

describe('ThreatConnect (v3 REST, HMAC)', () => {
  it('every check passes with its figures', async () => {
    const tc = await pair('threatconnect');
    await sleep(500); // the primary's first job runs
    expect((await check('threatconnect', tc, 'health')).summary).toMatch(
      /^ThreatConnect on dc1: the v3 API answers signed in \(1 owner, \d+ ms\)$/,
    );
    expect((await check('threatconnect', tc, 'indicators')).summary).toBe('ThreatConnect on dc1: 2 indicators');
    expect((await check('threatconnect', tc, 'download')).summary).toMatch(
      /^ThreatConnect on dc1: downloaded 2 indicators \(\d+ B, first page of at most 1,000\)$/,
    );
    expect((await check('threatconnect', tc, 'playbooks')).summary).toBe(
      'ThreatConnect on dc1: 2 of 3 playbooks active',
    );
    expect((await check('threatconnect', tc, 'jobs')).summary).toMatch(
      /^ThreatConnect on dc1: jobs on exactly one app server: monitorsEnabled on dc1 only; newest completed job execution on primary \d+ s ago \(\d+ completed executions in the last hour; failed executions carry failedTime, not completedTime, and are not counted\)$/,
    );
  });

  it('an API token works too', async () => {
    const tc = await pair('threatconnect');
    const token: Edit = (tip) => {
      for (const site of ['primary', 'secondary']) {
        const s = tip[site] as Record<string, unknown>;
        s.token = s.secretKey;
        delete s.secretKey;
        delete s.accessId;
      }
    };
    expect((await check('threatconnect', tc, 'indicators', { edit: token })).summary).toBe(
      'ThreatConnect on dc1: 2 indicators',
    );
  });

  it('a wrong secret key is refused: the signature does not verify (401), never a pass', async () => {
    const tc = await pair('threatconnect');
    const error = await failure(check('threatconnect', tc, 'indicators', { edit: wrongKey }));
    expect(error.message).toBe(
      'ThreatConnect on dc1 refused the API credentials: GET /api/v3/indicators answered 401 (wrong key or token, or the API user lacks the permission)',
    );
    expect(error.nonRetryable).toBe(true);
  });

  it('no indicators fails', async () => {
    const tc = await pair('threatconnect', { primary: { monitorsEnabled: true } }, false);
    expect((await failure(check('threatconnect', tc, 'indicators'))).message).toBe(
      'ThreatConnect on dc1: 0 indicators, expected at least 1',
    );
    expect((await failure(check('threatconnect', tc, 'download'))).message).toBe(
      'ThreatConnect on dc1: the indicators download held 0 readable rows (of 0), expected at least 1',
    );
  });

  it('jobs on two servers fail: monitorsEnabled on both', async () => {
    const tc = await pair('threatconnect', {
      primary: { monitorsEnabled: true },
      secondary: { monitorsEnabled: true },
    });
    const both: Edit = (tip) =>
      ((tip.secondary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo true'] });
    expect((await failure(check('threatconnect', tc, 'jobs', { edit: both }))).message).toBe(
      'ThreatConnect on dc1: jobs on two app servers: monitorsEnabled is on on both dc1 and dc2',
    );
  });

  it("after a failover the newest job execution must be the serving server's; an unreadable monitorsEnabled fails", async () => {
    const tc = await pair('threatconnect');
    await sleep(500);
    // failover-check: the secondary serves, but only the primary has run jobs.
    const flipped: Edit = (tip) => {
      (tip.primary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo false'] };
      (tip.secondary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo true'] };
      tip.checks = { jobs: { within: '1s' } };
    };
    expect(
      (await failure(check('threatconnect', tc, 'jobs', { edit: flipped, phase: 'failover-check' }))).message,
    ).toMatch(
      /^ThreatConnect on dc2: no completed job execution yet on secondary; the newest completed one ran on primary \d+ s ago \(failed executions carry failedTime, not completedTime, and are not counted\); waited 1 s for it$/,
    );
    const garbled: Edit = (tip) =>
      ((tip.secondary as Record<string, unknown>).monitorsEnabled = { command: ['sh', '-c', 'echo maybe; exit 3'] });
    expect((await failure(check('threatconnect', tc, 'jobs', { edit: garbled }))).message).toBe(
      'ThreatConnect on dc1: cannot tell whether dc2 also runs jobs: `sh -c echo maybe; exit 3` exited 3 printing "maybe", not true or false',
    );
  });

  it('an HTML sign-in page where the API should answer fails', async () => {
    const tc = await pair('threatconnect', { primary: { monitorsEnabled: true, loginPage: true } });
    const error = await failure(check('threatconnect', tc, 'playbooks'));
    expect(error.message).toBe(
      'ThreatConnect on dc1 answered GET /api/v3/playbooks with an HTML page ("Sign in") where the API was expected: a sign-in page or a proxy in front of the API',
    );
  });
});

describe('OpenCTI (health key, GraphQL with a bearer token)', () => {
  it('every check passes with its figures; the other site is read for connectors', async () => {
    const oc = await pair('opencti');
    await sleep(500);
    expect((await check('opencti', oc, 'health')).summary).toMatch(
      /^OpenCTI on dc1: \/health success \(\d+ ms\); platform 6\.4\.0$/,
    );
    expect((await check('opencti', oc, 'indicators')).summary).toBe('OpenCTI on dc1: 2 indicators');
    expect((await check('opencti', oc, 'download')).summary).toBe(
      'OpenCTI on dc1: read a page of 2 indicators with their patterns',
    );
    expect((await check('opencti', oc, 'connectors')).summary).toMatch(
      /^OpenCTI on dc1: 1\/1 connectors active, newest updated_at \d+ s ago \(information only: the newest OpenCTI keeps heartbeats in Redis\); none active on dc2$/,
    );
  });

  it('the other site not answering is one site serving', async () => {
    const oc = await pair('opencti');
    await sleep(300);
    const gone: Edit = (tip) => ((tip.secondary as Record<string, unknown>).url = 'http://127.0.0.1:27001');
    expect((await check('opencti', oc, 'connectors', { edit: gone })).summary).toMatch(/; dc2 does not answer$/);
  });

  it("a wrong token: GraphQL's errors array (HTTP 200) is a refusal, never data", async () => {
    const oc = await pair('opencti');
    const error = await failure(check('opencti', oc, 'indicators', { edit: wrongKey }));
    expect(error.message).toBe(
      'OpenCTI on dc1 refused the API token: GraphQL answered "You must be logged in to do this. (AUTH_REQUIRED)"',
    );
  });

  it('a wrong health key: /health answers 401', async () => {
    const oc = await pair('opencti');
    const wrongHealth: Edit = (tip) => ((tip.primary as Record<string, unknown>).healthKey = { file: oc.files.wrong });
    expect((await failure(check('opencti', oc, 'health', { edit: wrongHealth }))).message).toBe(
      'OpenCTI on dc1 refused the API credentials: GET /health answered 401 (wrong key or token, or the API user lacks the permission)',
    );
  });

  it('no indicators fails', async () => {
    const oc = await pair('opencti', { primary: { monitorsEnabled: true } }, false);
    expect((await failure(check('opencti', oc, 'indicators'))).message).toBe(
      'OpenCTI on dc1: 0 indicators, expected at least 1',
    );
  });

  it('no connector the platform calls active fails', async () => {
    // No jobs run on either site, so the connector's last ping predates the platform: OpenCTI's active is false.
    const oc = await pair('opencti', { primary: { monitorsEnabled: false } });
    expect((await failure(check('opencti', oc, 'connectors'))).message).toBe(
      "OpenCTI on dc1: 0/1 connectors active (the platform's own active: a heartbeat within 5 min), expected at least 1",
    );
  });

  it('connectors heartbeating on both sites fail', async () => {
    const oc = await pair('opencti', { primary: { monitorsEnabled: true }, secondary: { monitorsEnabled: true } });
    await sleep(500);
    expect((await failure(check('opencti', oc, 'connectors'))).message).toBe(
      'OpenCTI on dc1: connectors active on both sites: dc2 has 1 active',
    );
  });

  it('an HTML sign-in page fails', async () => {
    const oc = await pair('opencti', { primary: { monitorsEnabled: true, loginPage: true } });
    expect((await failure(check('opencti', oc, 'indicators'))).message).toBe(
      'OpenCTI on dc1 answered POST /graphql with an HTML page ("Sign in") where the API was expected: a sign-in page or a proxy in front of the API',
    );
  });
});

describe('MISP (Authorization key REST)', () => {
  it('every check passes with its figures', async () => {
    const misp = await pair('misp');
    expect((await check('misp', misp, 'health')).summary).toMatch(
      /^MISP on dc1: the API answers signed in, MISP 2\.5\.1 \(\d+ ms\)$/,
    );
    // A page of minCount + 1 = 2 is full: X-Result-Count 3 on 2.5.1 says more than 1, not how many.
    expect((await check('misp', misp, 'indicators')).summary).toBe(
      'MISP on dc1: more than 1 attribute (a full restSearch page of 2: X-Result-Count is no total on MISP 2.5.1; total: statistics gives one)',
    );
    expect((await check('misp', misp, 'download')).summary).toMatch(
      /^MISP on dc1: downloaded 2 attributes as CSV \(\d+ B, at most 1,000\)$/,
    );
    expect((await check('misp', misp, 'workers')).summary).toBe(
      'MISP on dc1: background workers alive on default 1, prio 1, email 1, cache 1, update 1',
    );
    expect((await check('misp', misp, 'jobs')).summary).toBe(
      'MISP on dc1: scheduled tasks on exactly one node: 1 live scheduler worker here, dc2 lists no scheduler queue (cron-driven tasks there are invisible to the API)',
    );
  });

  it('a wrong key is refused (403), never a pass', async () => {
    const misp = await pair('misp');
    expect((await failure(check('misp', misp, 'health', { edit: wrongKey }))).message).toBe(
      'MISP on dc1 refused the API credentials: GET /servers/getVersion answered 403 (wrong key or token, or the API user lacks the permission)',
    );
  });

  it('no attributes fails', async () => {
    const misp = await pair('misp', { primary: { monitorsEnabled: true } }, false);
    expect((await failure(check('misp', misp, 'indicators'))).message).toBe(
      'MISP on dc1: 0 attributes, expected at least 1',
    );
    expect((await failure(check('misp', misp, 'download'))).message).toBe(
      'MISP on dc1: the CSV download held 0 rows, expected at least 1',
    );
  });

  it('scheduled tasks on two nodes fail; on none fail', async () => {
    const both = await pair('misp', { primary: { monitorsEnabled: true }, secondary: { monitorsEnabled: true } });
    expect((await failure(check('misp', both, 'jobs'))).message).toBe(
      'MISP on dc1: scheduled tasks on two nodes: a live scheduler worker on both dc1 and dc2',
    );
    // CakeResque lists the scheduler queue with no worker; SimpleBackgroundJobs drops the queue.
    const none = await pair('misp', { primary: { monitorsEnabled: false, version: '2.5.1+cakeresque' } });
    expect((await failure(check('misp', none, 'jobs'))).message).toBe(
      'MISP on dc1: no live scheduler worker, so no node runs the scheduled tasks',
    );
    const absent = await pair('misp', { primary: { monitorsEnabled: false } });
    expect((await failure(check('misp', absent, 'jobs'))).message).toBe(
      'MISP on dc1: this MISP runs SimpleBackgroundJobs without scheduler_worker: no scheduler queue to see; cron-driven tasks are invisible to the API',
    );
  });

  it('an HTML sign-in page fails', async () => {
    const misp = await pair('misp', { primary: { monitorsEnabled: true, loginPage: true } });
    expect((await failure(check('misp', misp, 'download'))).message).toBe(
      'MISP on dc1 answered POST /attributes/restSearch with an HTML page ("Sign in") where the API was expected: a sign-in page or a proxy in front of the API',
    );
  });
});
