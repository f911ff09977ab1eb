/**
 * What `plan check` says where a new user went wrong (issue 19, item 7), in process: paths name a
 * step by its id, an unknown field lists the fields accepted there, a Slack channel must be an id, a
 * cron must be five fields, a zero timeout is refused with the field's minimum, a quorum four-eyes
 * puts out of reach is said, and a header secret may carry a prefix while an inline one is still
 * refused. The CLI's side (exit 2, --json, schedule create before connecting) is in
 * test/plan-validation-cli.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { checkPlanText, formatPlanError, parsePlan } from '../../plan/load';
import { quorumWarning } from '../../plan/approvalRules';
import { unapprovableGates } from '../../domain';
import { renderRunbook } from '../../render/runbook';
import { compileRunbook } from '../../workflows/runbook';
import { tipPlanYaml } from '../support/tipStandin';
import { ROOT } from '../support/standinLab';
import { cronProblem, type Plan } from '../../domain';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form YAML edited per case
const example = (): Doc => parse(readFileSync(path.join(ROOT, 'plans', 'example-lab.yaml'), 'utf8')) as Doc;

function errorsOf(edit: (plan: Doc) => void): string[] {
  const plan = example();
  edit(plan);
  const result = parsePlan(stringify(plan));
  return result.ok ? [] : result.errors.map(formatPlanError);
}

function planOf(edit: (plan: Doc) => void): Plan {
  const plan = example();
  edit(plan);
  const result = parsePlan(stringify(plan));
  if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
  return result.plan;
}

describe('paths name list items by their id', () => {
  it('says steps[id=…] instead of the index, for a step, a stop condition and an approver', () => {
    expect(
      errorsOf((p) => {
        p.steps[1].timeout = 'soon';
        p.stopConditions = [{ id: 'error-rate', title: 'Error rate', http: { url: 'nope' } }];
        p.approvals.approvers[1] = { id: 'bob', slack: 'U0BOB', team: 'dba' };
      }),
    ).toEqual(
      expect.arrayContaining([
        'steps[id=announce-failover].timeout: expected a duration such as "30s", "15m" or "4h", got "soon"',
        expect.stringMatching(/^stopConditions\[id=error-rate\]\.http\.url: expected an absolute http\(s\) URL/),
        'approvals.approvers[id=bob]: unknown field "team"; accepted: id, slack, name, roles',
      ]),
    );
  });

  it('keeps the index where an item has no id', () => {
    expect(errorsOf((p) => (p.approvals.approvers[0] = 7))).toEqual([
      'approvals.approvers[0]: expected a user name or { id, slack?, name?, roles? }',
    ]);
  });

  it('names a secret the scanner finds by the step id too', async () => {
    const plan = example();
    plan.steps[1].title = `Tell the bot ghp_${'aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6'}`;
    const result = await checkPlanText(stringify(plan));
    expect(result.ok ? [] : result.errors.map(formatPlanError)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^steps\[id=announce-failover\]\.title: line \d+: secretlint/)]),
    );
  });
});

describe('unknown fields list what is accepted', () => {
  it.each([
    [
      'in a step',
      (p: Doc) => (p.steps[0].retriess = 0),
      /^steps\[id=reboot-hosts\]: unknown field "retriess"; accepted: id, phase, segment, title, site, destructive, readOnly, timeout, modes, after, retries, retry, parallel, command, http, ssm, manual/,
    ],
    [
      'in approvals',
      (p: Doc) => (p.approvals.fourEye = true),
      /^approvals: unknown field "fourEye"; accepted: approvers, operators, fourEyes, quorum, reminderAfter, timeout, gates$/,
    ],
    [
      "in a component's kind schema",
      (p: Doc) => (p.components.app.secondary.restart = { command: ['x'] }),
      /^components\.app\.secondary: unknown field "restart"; accepted: .*\bhealth\b.*\bstop\b.*\bstart\b/,
    ],
    [
      'in an http check',
      (p: Doc) => (p.components.app.primary.health.http.expect = 200),
      /^components\.app\.primary\.health\.http: unknown field "expect"; accepted: url, query, method, body, expectStatus, bodyMatch, expectJson, headers, timeout, within$/,
    ],
    [
      'at the top',
      (p: Doc) => (p.stopconditions = []),
      /^unknown field "stopconditions"; accepted: target, platform, tip, .*stopConditions, schedules, precheck/,
    ],
  ])('%s', (_name, edit, expected) => {
    expect(errorsOf(edit)).toEqual([expect.stringMatching(expected)]);
  });
});

describe('a Slack channel is an id', () => {
  it.each(['#drills', 'drills', 'https://example.slack.com/archives/C0123DRILLS', 'c0123drills', 'U0123ALICE'])(
    'refuses %s, saying which ids are accepted',
    (channel) => {
      expect(errorsOf((p) => (p.notifications = { slack: { channel } }))).toEqual([
        "notifications.slack.channel: expected a Slack channel id: C… for a channel or G… for a private group, such as C0123DRILLS (not its name such as #drills: the id is at the bottom of the channel's details)",
      ]);
    },
  );

  it('takes a channel or a private group id', () => {
    expect(errorsOf((p) => (p.notifications = { slack: { channel: 'C0123DRILLS' } }))).toEqual([]);
    expect(errorsOf((p) => (p.notifications = { slack: { channel: 'G0PRIVATE1' } }))).toEqual([]);
  });
});

describe('durations below the field minimum are refused, never rounded up', () => {
  it.each([
    [
      'a step timeout of 0s',
      (p: Doc) => (p.steps[1].timeout = '0s'),
      'steps[id=announce-failover].timeout',
      'at least 1s',
    ],
    [
      'a step timeout of 500ms',
      (p: Doc) => (p.steps[1].timeout = '500ms'),
      'steps[id=announce-failover].timeout',
      'at least 1s',
    ],
    [
      'a request timeout',
      (p: Doc) => (p.components.app.primary.health.http.timeout = '0s'),
      'components.app.primary.health.http.timeout',
      'at least 1s',
    ],
    ['the default step timeout', (p: Doc) => (p.defaults.stepTimeout = '0s'), 'defaults.stepTimeout', 'at least 1s'],
    ['a within', (p: Doc) => (p.components.app.within = '0s'), 'components.app.within', 'at least 1s'],
    [
      // A step heartbeats twice a second: under four beats, a worker that lives could lose its step.
      'a heartbeat timeout under four beats',
      (p: Doc) => (p.defaults.heartbeatTimeout = '500ms'),
      'defaults.heartbeatTimeout',
      'at least 2s',
    ],
    [
      'a retry interval',
      (p: Doc) => (p.defaults.retry.initialInterval = '0s'),
      'defaults.retry.initialInterval',
      'more than 0',
    ],
  ])('%s', (_name, edit, at, least) => {
    const errors = errorsOf(edit);
    expect(errors).toHaveLength(1);
    expect(errors[0].startsWith(`${at}: expected ${least} (`)).toBe(true);
    expect(errors[0]).toMatch(/, got "(0s|500ms)"$/);
  });

  it('gives steps a heartbeat timeout of 30 s unless the plan sets one', () => {
    const compiledTimeouts = (plan: Doc): number[] => {
      const parsed = parsePlan(stringify(plan));
      if (!parsed.ok) throw new Error(parsed.errors.map(formatPlanError).join('; '));
      return compileRunbook(parsed.plan, 'failover').phases.flatMap((phase) =>
        phase.steps.flatMap((step) => ('heartbeatTimeoutMs' in step ? [step.heartbeatTimeoutMs] : [])),
      );
    };
    const plan = example();
    delete plan.defaults.heartbeatTimeout;
    const unset = compiledTimeouts(plan);
    expect(unset.length).toBeGreaterThan(0);
    expect(new Set(unset)).toEqual(new Set([30_000]));
    plan.defaults.heartbeatTimeout = '2s';
    expect(new Set(compiledTimeouts(plan))).toEqual(new Set([2000]));
  });

  it('takes an RPO of 0s (no write may be lost) and shows it', () => {
    const plan = planOf((p) => (p.objectives.rpo = '0s'));
    expect(plan.objectives.rpo).toBe(0);
    expect(renderRunbook(plan, compileRunbook(plan, 'drill'))).toContain('objectives: RTO 5m, RPO 0ms');
  });
});

describe('a quorum four-eyes puts out of reach', () => {
  const approvals = (quorum: number, fourEyes = true) =>
    planOf((p) => Object.assign(p.approvals, { approvers: ['alice', 'bob'], quorum, fourEyes })).approvals;

  it('is said by plan check when every approver must approve', () => {
    expect(quorumWarning(approvals(2))).toMatch(
      /with fourEyes the one who starts a drill cannot approve it, so a drill started by alice, bob would wait at a gate nobody could approve \(each gate needs 2 approvals but has 2 approver\(s\) \(alice, bob\): nobody could approve it\)/,
    );
    expect(quorumWarning(approvals(1))).toBeUndefined();
    expect(quorumWarning(approvals(2, false))).toBeUndefined();
  });

  it('refuses a start by an approver, and lets an operator or a schedule start', () => {
    expect(unapprovableGates(approvals(2), 'drill', 'alice')).toEqual([
      'each gate needs 2 approvals but has 2 approver(s) (alice, bob), and alice started this drill, so under fourEyes cannot approve it: nobody could approve it',
    ]);
    expect(unapprovableGates(approvals(2), 'drill', 'oncall')).toEqual([]);
    expect(unapprovableGates(approvals(2), 'drill', 'schedule:drill-schedule-example-lab.quarterly')).toEqual([]);
    expect(unapprovableGates(approvals(1), 'drill', 'alice')).toEqual([]);
  });
});

describe('cron expressions', () => {
  it.each([
    ['0 0 10 ? 1/3 TUE#1', /got 6 fields .*a seconds field first, as Quartz and Spring write it/],
    ['0 10 1 * * 2027', /got 6 fields/],
    ['0 10 L * *', /Quartz syntax/],
    ['0 10 * * 5L', /Quartz syntax/],
    ['0 25 * * *', /the hour field "25": "25" is not from 0 to 23/],
    ['0 10 * foo *', /the month field "foo"/],
    ['CRON_TZ=Europe/Paris 0 10 * * *', /the time zone is not written in the cron/],
    ['@fortnightly', /is not one of @yearly/],
  ])('refuses %s, saying what is accepted', (cron, expected) => {
    expect(cronProblem(cron)).toMatch(expected);
  });

  it.each(['0 10 1-7 1,4,7,10 tue', '*/15 * * * *', '30 9 8-14 jan-mar wed', '@daily', '0 10 * * 0-6/2'])(
    'takes %s',
    (cron) => expect(cronProblem(cron)).toBeUndefined(),
  );
});

describe('schedules: and precheck: in the plan', () => {
  it('reads a cron entry, a cadence entry (quarterly by default) and the precheck cadence', () => {
    const plan = planOf((p) => {
      p.schedules = [
        { id: 'quarterly', at: '09:30', months: ['mar', 'sep'], weekday: 'thu', week: 2 },
        { id: 'yearly-failover', mode: 'failover', cron: '0 9 8-14 6 wed', reason: 'yearly outage drill' },
        { id: 'default' },
      ];
      p.precheck = { every: '1h' };
    });
    expect(plan.schedules).toEqual([
      {
        id: 'quarterly',
        mode: 'drill',
        cadence: { months: ['MARCH', 'SEPTEMBER'], weekday: 'THURSDAY', week: 2, hour: 9, minute: 30 },
      },
      { id: 'yearly-failover', mode: 'failover', cron: '0 9 8-14 6 wed', reason: 'yearly outage drill' },
      {
        id: 'default',
        mode: 'drill',
        cadence: { months: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'], weekday: 'TUESDAY', week: 1, hour: 10, minute: 0 },
      },
    ]);
    expect(plan.precheck).toEqual({ every: 3_600_000 });
    expect(renderRunbook(plan, compileRunbook(plan, 'drill'))).toContain(
      'schedules (UTC; schedule sync applies them): quarterly: drill, week 2 thursday of mar,sep at 09:30; yearly-failover: failover, cron "0 9 8-14 6 wed"; default: drill, week 1 tuesday of jan,apr,jul,oct at 10:00; readiness precheck every 1h',
    );
  });

  it.each([
    [{ id: 'q', cron: '0 0 10 ? * TUE' }, /^schedules\[id=q\]\.cron: expected five fields/],
    [
      { id: 'q', cron: '0 10 * * tue', at: '10:00' },
      /^schedules\[id=q\]\.at: a schedule is either a cron or the cadence words/,
    ],
    [{ id: 'q', months: ['jan', 'foo'] }, /^schedules\[id=q\]\.months: "foo" is not a month/],
    [{ id: 'q', week: 5 }, /^schedules\[id=q\]\.week: expected 1, 2, 3 or 4/],
    [{ id: 'q', mode: 'outage' }, /^schedules\[id=q\]\.mode: expected one of drill, failover, failback/],
    [
      { id: 'q', every: '1h' },
      /^schedules\[id=q\]: unknown field "every"; accepted: id, mode, cron, at, months, weekday, week, reason/,
    ],
  ])('refuses %j', (entry, expected) => {
    expect(errorsOf((p) => (p.schedules = [entry]))).toEqual([expect.stringMatching(expected)]);
  });

  it('refuses a precheck more often than once a minute, and an id used twice', () => {
    expect(errorsOf((p) => (p.precheck = { every: '30s' }))).toEqual([
      expect.stringMatching(/^precheck\.every: expected at least 1m \(/),
    ]);
    expect(errorsOf((p) => (p.schedules = [{ id: 'q' }, { id: 'q' }]))).toEqual([
      'schedules[id=q].id: schedule id "q" is used twice',
    ]);
  });
});

describe('header secrets with a prefix', () => {
  const withHeader = (value: unknown) =>
    errorsOf((p) => (p.components.app.primary.health.http.headers = { Authorization: value }));

  it('takes { env, prefix } and { file, prefix }, and keeps only the reference and the prefix in the runbook', () => {
    expect(withHeader({ env: 'OPENCTI_TOKEN', prefix: 'Bearer ' })).toEqual([]);
    expect(withHeader({ file: '/run/secrets/opencti', prefix: 'Bearer ' })).toEqual([]);
    const plan = planOf(
      (p) =>
        (p.components.app.primary.health.http.headers = { Authorization: { env: 'OPENCTI_TOKEN', prefix: 'Bearer ' } }),
    );
    const health = compileRunbook(plan, 'drill').phases[0].steps[0];
    expect(health.args).toMatchObject({
      http: { headers: { Authorization: { env: 'OPENCTI_TOKEN', prefix: 'Bearer ' } } },
    });
  });

  it('still refuses the secret written inline, and a prefix that is more than a scheme word', () => {
    expect(withHeader('Bearer abc123')).toEqual([
      expect.stringMatching(
        /^components\.app\.primary\.health\.http\.headers\.Authorization: the header Authorization holds a secret/,
      ),
    ]);
    expect(withHeader({ env: 'OPENCTI_TOKEN', prefix: 'Bearer abc123def456' })).toEqual([
      expect.stringMatching(
        /^components\.app\.primary\.health\.http\.headers\.Authorization\.prefix: expected a scheme word/,
      ),
    ]);
    expect(withHeader({ prefix: 'Bearer ' })).toEqual([
      expect.stringMatching(
        /^components\.app\.primary\.health\.http\.headers\.Authorization: expected a secret reference with exactly one of env, file/,
      ),
    ]);
  });
});

describe("a TIP profile's API URL per site", () => {
  const PAIR = {
    urls: { primary: 'https://cti-ams.example.com', secondary: 'https://cti-fra.example.com' },
    files: { secret: '/etc/drillbook/tip.key', healthKey: '/etc/drillbook/health.key', wrong: '' },
  };

  it('is taken by OpenCTI and travels in the TIP steps beside the URL', () => {
    const result = parsePlan(
      tipPlanYaml('opencti', PAIR, (tip) => {
        (tip.primary as { apiUrl?: string }).apiUrl = 'http://opencti-api.ams.internal:8080/';
      }),
    );
    if (!result.ok) throw new Error(result.errors.map(formatPlanError).join('\n'));
    expect(result.plan.tip?.primary).toMatchObject({
      url: 'https://cti-ams.example.com',
      apiUrl: 'http://opencti-api.ams.internal:8080',
    });
  });

  it('is refused where the platform has no separate API endpoint, and where it is no URL', () => {
    const refused = (platform: 'misp' | 'opencti', apiUrl: string) => {
      const result = parsePlan(
        tipPlanYaml(platform, PAIR, (tip) => ((tip.secondary as { apiUrl?: string }).apiUrl = apiUrl)),
      );
      return result.ok ? [] : result.errors.map(formatPlanError);
    };
    expect(refused('misp', 'https://misp-api.example.com')).toEqual([
      'tip.secondary.apiUrl: platform misp does not take apiUrl; a site takes url, key, recoveryState',
    ]);
    expect(refused('opencti', 'opencti-api:8080')).toEqual([
      expect.stringMatching(/^tip\.secondary\.apiUrl: expected the platform's base URL/),
    ]);
  });
});

describe('plan show', () => {
  it('lists the stop conditions and marks the phases they guard', () => {
    const plan = planOf((p) => {
      p.stopConditions = [
        { id: 'error-rate', title: 'Error rate under 1%', site: 'secondary', http: { url: 'http://127.0.0.1:9/rate' } },
        { id: 'queue-depth', title: 'Queue drained', command: ['sh', '-c', 'exit 0'] },
      ];
    });
    const text = renderRunbook(plan, compileRunbook(plan, 'drill'));
    expect(text).toContain(
      'stop conditions: checked before each destructive step of a phase with a gate; one failing pauses the drill there for an operator',
    );
    expect(text).toContain(
      '   - Error rate under 1%: GET http://127.0.0.1:9/rate expecting 200 on the secondary  (id stop-condition.error-rate)',
    );
    expect(text).toContain('   - Queue drained: runs sh -c exit 0  (id stop-condition.queue-depth)');
    const failover = text.slice(text.indexOf('== Failover'));
    expect(failover).toContain(
      '[stop conditions] stop-condition.error-rate, stop-condition.queue-depth before each destructive step',
    );
  });
});
