/**
 * The plan's format where it changes what a drill runs (issue 19, item 6), read by the real loader
 * and compiled by the real compiler: order between components of one tier (`after`), a step's own
 * retries, a team's steps in a parallel block, stop conditions scoped by phase, mode and
 * `site: serving`, and approval rules per gate with roles. Each refusal names its path and what is
 * accepted there.
 */
import { renderRunbook } from '../../render/runbook';
import { compileRunbook } from '../../workflows/runbook';
import { idsOf, phaseSteps, planWith, refusalsOf, stepById, type Doc } from './support/kindPlan';
import { unapprovableGates, type Step } from '../../domain';

const site = (name: string) => ({
  health: { command: ['check', name] },
  stop: { command: ['stop', name] },
  start: { command: ['start', name] },
});
const service = (extra: Doc = {}): Doc => ({
  kind: 'service',
  tier: 'app',
  primary: site('primary'),
  secondary: site('secondary'),
  ...extra,
});

/** Each step's id with its block, as `plan show` groups them: `[2] id` in a block, `id` alone. */
const shape = (steps: readonly Step[]): string[] =>
  steps.map((s) => (s.block === undefined ? s.id : `[${s.block}] ${s.id}`));

describe('after: order between components of one tier', () => {
  // OpenCTI's app tier: the platform, its workers, and a connector that needs the platform up.
  const components = {
    platform: service(),
    worker: service({ after: ['platform'] }),
    connector: service({ after: ['platform'] }),
    db: service({ tier: 'database' }),
  };

  it('starts what names others after them, and stops it before them; the rest of the tier runs at once', () => {
    const plan = planWith(components);
    expect(shape(phaseSteps(plan, 'drill', 'failover').filter((s) => s.segment === 'stop'))).toEqual([
      // Dependents first, at once; then the platform alone; then the next tier.
      '[1] failover.worker.stop.primary',
      '[1] failover.connector.stop.primary',
      'failover.platform.stop.primary',
      'failover.db.stop.primary',
    ]);
    const start = phaseSteps(plan, 'drill', 'failover').filter((s) => s.segment === 'start');
    expect(shape(start)).toEqual([
      'failover.db.start.secondary',
      'failover.platform.start.secondary',
      // Started in the reverse of their stop order within a wave, as before.
      '[2] failover.connector.start.secondary',
      '[2] failover.worker.start.secondary',
    ]);
    // The first stop still starts the RTO clock.
    expect(stepById(phaseSteps(plan, 'drill', 'failover'), 'failover.worker.stop.primary').marks).toContain(
      'rto-start',
    );
  });

  it('keeps the order through a component with nothing to do in that segment', () => {
    // bridge has no stop driver: connector after bridge after platform still stops before platform.
    const plan = planWith({
      platform: service(),
      bridge: service({ after: ['platform'], primary: { health: { command: ['check'] } }, secondary: site('s') }),
      connector: service({ after: ['bridge'] }),
    });
    expect(idsOf(phaseSteps(plan, 'drill', 'failover').filter((s) => s.segment === 'stop'))).toEqual([
      'failover.connector.stop.primary',
      'failover.platform.stop.primary',
    ]);
  });

  it('without after, a tier is one parallel block as before', () => {
    const plan = planWith({ a: service(), b: service() });
    expect(shape(phaseSteps(plan, 'drill', 'failover').filter((s) => s.segment === 'stop'))).toEqual([
      '[1] failover.a.stop.primary',
      '[1] failover.b.stop.primary',
    ]);
  });

  it('plan show shows the waves: a block, then the platform alone', () => {
    const plan = planWith(components);
    const text = renderRunbook(plan, compileRunbook(plan, 'failover'));
    expect(text).toMatch(
      /Stop worker on dc1 .*parallel block 1, lane worker[\s\S]*Stop connector on dc1 .*parallel block 1/,
    );
    expect(text).toMatch(/Stop platform on dc1 {2}\((?![^)]*parallel)[^)]*\)/);
  });

  it('refuses unknown components, other tiers, itself, and cycles, naming the path', () => {
    expect(refusalsOf({ platform: service(), connector: service({ after: ['platfrom'] }) })).toEqual([
      'components.connector.after[0]: expected the name of another component of tier app (platform); there is no component "platfrom"',
    ]);
    expect(refusalsOf({ db: service({ tier: 'database' }), app: service({ after: ['db'] }) })).toEqual([
      'components.app.after[0]: "db" is of tier database, this component of tier app: tiers are ordered already (stop app, search, database; start the reverse); after orders components within one tier',
    ]);
    expect(refusalsOf({ app: service({ after: ['app'] }) })).toEqual([
      'components.app.after[0]: a component cannot start after itself',
    ]);
    expect(
      refusalsOf({ a: service({ after: ['c'] }), b: service({ after: ['a'] }), c: service({ after: ['b'] }) }),
    ).toEqual([
      'components.a.after: components a -> c -> b -> a each start after the next: nothing could start first; drop one of these after',
    ]);
    expect(refusalsOf({ a: service({ after: 'b' }) })).toEqual([
      expect.stringMatching(/^components\.a\.after: expected array/),
    ]);
  });
});

describe('retries: a step tried once', () => {
  const steps = [
    {
      id: 'switch-vip',
      phase: 'failover',
      segment: 'switch',
      title: 'Move the VIP (not idempotent)',
      destructive: true,
      command: ['vip', 'move'],
      retries: 0,
    },
    {
      id: 'smoke',
      phase: 'failover-check',
      title: 'Smoke test',
      command: ['smoke'],
      retry: { maximumAttempts: 7, initialInterval: '10s' },
    },
    { id: 'plain', phase: 'failover-check', title: 'Plain', command: ['plain'] },
  ];

  it("gives a plan step its own attempts and intervals, the plan's defaults otherwise", () => {
    const plan = planWith({ app: service() }, { steps });
    const failover = phaseSteps(plan, 'drill', 'failover');
    expect(stepById(failover, 'failover.switch-vip').retry.maximumAttempts).toBe(1);
    const check = phaseSteps(plan, 'drill', 'failover-check');
    expect(stepById(check, 'failover-check.smoke').retry).toEqual({
      maximumAttempts: 7,
      initialIntervalMs: 10_000,
      backoffCoefficient: plan.defaults.retry.backoffCoefficient,
      maximumIntervalMs: plan.defaults.retry.maximumInterval,
    });
    expect(stepById(check, 'failover-check.plain').retry.maximumAttempts).toBe(plan.defaults.retry.maximumAttempts);
    expect(renderRunbook(plan, compileRunbook(plan, 'drill'))).toMatch(
      /Move the VIP \(not idempotent\) {2}\(runCommand, destructive, 1 attempts/,
    );
  });

  it("gives a component's destructive steps destructiveRetries + 1 attempts, its checks the default", () => {
    const plan = planWith({ lb: service({ destructiveRetries: 0, retries: 4 }) });
    const failover = phaseSteps(plan, 'drill', 'failover');
    expect(stepById(failover, 'failover.lb.stop.primary').retry.maximumAttempts).toBe(1);
    expect(stepById(failover, 'failover.lb.start.secondary').retry.maximumAttempts).toBe(1);
    expect(
      stepById(phaseSteps(plan, 'drill', 'failover-check'), 'failover-check.lb.health.secondary').retry.maximumAttempts,
    ).toBe(4);
  });

  it('refuses negative or fractional retries, and saying the attempts twice', () => {
    const refused = (step: Doc) => refusalsOf({ app: service() }, { steps: [{ ...steps[2], ...step }] });
    expect(refused({ retries: -1 })).toEqual([
      'steps[id=plain].retries: expected 0 to 99 retries after the first attempt',
    ]);
    expect(refused({ retries: 1.5 })).toEqual([
      'steps[id=plain].retries: expected a whole number of retries after the first attempt, 0 to 99',
    ]);
    expect(refused({ retries: 0, retry: { maximumAttempts: 3 } })).toEqual([
      'steps[id=plain].retries: give either retries (0: 1 attempt(s)) or retry.maximumAttempts (3), not both',
    ]);
    expect(refused({ retry: { attempts: 3 } })).toEqual([
      'steps[id=plain].retry: unknown field "attempts"; accepted: maximumAttempts, initialInterval, backoffCoefficient, maximumInterval',
    ]);
    expect(refusalsOf({ app: service({ destructiveRetries: -2 }) })).toEqual([
      'components.app.destructiveRetries: expected 0 to 99 retries after the first attempt',
    ]);
  });
});

describe('parallel: a team steps in a block', () => {
  const team = (extra: Doc[] = []): Doc[] => [
    { id: 'notify-soc', phase: 'failover-check', segment: 'verify', title: 'Tell the SOC', manual: 'Post in #soc' },
    {
      id: 'smoke-ui',
      phase: 'failover-check',
      segment: 'verify',
      title: 'UI smoke',
      command: ['ui'],
      parallel: 'smoke',
    },
    {
      id: 'smoke-api',
      phase: 'failover-check',
      segment: 'verify',
      title: 'API smoke',
      command: ['api'],
      parallel: 'smoke',
    },
    { id: 'report', phase: 'failover-check', segment: 'verify', title: 'Report', command: ['r'], after: ['smoke-api'] },
    ...extra,
  ];

  it('runs the block where its first step stands, each step in its own lane, and what waits for one waits for all', () => {
    const plan = planWith({ app: service() }, { steps: team() });
    const verify = phaseSteps(plan, 'drill', 'failover-check').filter((s) => s.segment === 'verify');
    const ids = shape(verify);
    expect(ids.slice(-4)).toEqual([
      'failover-check.notify-soc',
      expect.stringMatching(/^\[\d+\] failover-check\.smoke-ui$/),
      expect.stringMatching(/^\[\d+\] failover-check\.smoke-api$/),
      'failover-check.report',
    ]);
    const [ui, api] = ['smoke-ui', 'smoke-api'].map((id) => stepById(verify, `failover-check.${id}`));
    expect(ui.block).toBe(api.block);
    expect([ui.lane, api.lane]).toEqual(['failover-check.smoke-ui', 'failover-check.smoke-api']);
    // Block numbers are unique in the phase: the component tiers' blocks never share one with the team's.
    const blocks = phaseSteps(plan, 'drill', 'failover-check').filter((s) => s.block === ui.block);
    expect(idsOf(blocks)).toEqual(['failover-check.smoke-ui', 'failover-check.smoke-api']);
  });

  it('refuses a block of one, a block across segments, and a step waiting for its own block', () => {
    const refused = (steps: Doc[]) => refusalsOf({ app: service() }, { steps });
    expect(refused([{ id: 'alone', phase: 'check', title: 'A', command: ['a'], parallel: 'solo' }])).toEqual([
      'steps[id=alone].parallel: "alone" is the only step of parallel block "solo"; a block runs two or more steps of one phase and segment at once',
    ]);
    expect(refused(team([{ id: 'late', phase: 'wrap-up', title: 'L', command: ['l'], parallel: 'smoke' }]))).toEqual([
      'steps[id=late].parallel: parallel block "smoke" runs in failover-check.verify (where "smoke-ui" is); this step is in wrap-up.end: a block\'s steps share one phase and segment',
    ]);
    const waiting = team();
    waiting[2].after = ['smoke-ui'];
    expect(refused(waiting)).toEqual([
      'steps[id=smoke-api].after[0]: "smoke-ui" is in the same parallel block "smoke": the steps of a block run at once, so one cannot wait for another; take one out of the block or drop this after',
    ]);
    const circle = team();
    circle[1].after = ['report'];
    expect(refused(circle)).toEqual([
      'steps[id=smoke-ui].after: steps smoke-ui, smoke-api, report each wait for another of them; nothing could start',
    ]);
  });
});

describe('stop conditions scoped', () => {
  const condition = (extra: Doc): Doc => ({ id: 'error-rate', title: 'Error rate low', command: ['rate'], ...extra });
  const compiled = (conditions: Doc[], mode: 'drill' | 'failover' | 'failback' = 'drill') =>
    (compileRunbook(planWith({ app: service() }, { stopConditions: conditions }), mode).stopConditions ?? []).map(
      ({ id, title, site, phases }) => ({ id, title, site, phases }),
    );

  it('site: serving is asked per phase on the site that phase moves service to', () => {
    expect(compiled([condition({ site: 'serving' })])).toEqual([
      { id: 'stop-condition.error-rate', title: 'Error rate low (on dc1)', site: 'primary', phases: ['pre-reboot'] },
      { id: 'stop-condition.error-rate', title: 'Error rate low (on dc2)', site: 'secondary', phases: ['failover'] },
      { id: 'stop-condition.error-rate', title: 'Error rate low (on dc1)', site: 'primary', phases: ['failback'] },
    ]);
    // A real outage: the failover, and the failback its way back may run.
    expect(compiled([condition({ site: 'serving' })], 'failover').map((c) => [c.site, c.phases])).toEqual([
      ['secondary', ['failover']],
      ['primary', ['failback']],
    ]);
  });

  it('phases and modes limit where it is asked; unscoped conditions stay as they were', () => {
    expect(compiled([condition({ site: 'serving', phases: ['failover'] })])).toEqual([
      { id: 'stop-condition.error-rate', title: 'Error rate low (on dc2)', site: 'secondary', phases: ['failover'] },
    ]);
    expect(compiled([condition({ site: 'primary', phases: ['pre-reboot', 'failback'] })])).toEqual([
      { id: 'stop-condition.error-rate', title: 'Error rate low', site: 'primary', phases: ['pre-reboot', 'failback'] },
    ]);
    expect(compiled([condition({ modes: ['drill'] })], 'failover')).toEqual([]);
    expect(compiled([condition({})])).toEqual([
      { id: 'stop-condition.error-rate', title: 'Error rate low', site: undefined, phases: undefined },
    ]);
  });

  it('refuses phases without a gate, unknown modes and sites, naming what is accepted', () => {
    const refused = (extra: Doc) => refusalsOf({ app: service() }, { stopConditions: [condition(extra)] });
    expect(refused({ phases: ['failover-check'] })).toEqual([
      'stopConditions[id=error-rate].phases[0]: expected phases among pre-reboot, failover, failback, reprotect (stop conditions are asked before the destructive steps of the phases that need approval)',
    ]);
    expect(refused({ modes: ['outage'] })).toEqual([
      'stopConditions[id=error-rate].modes[0]: expected modes among drill, failover, failback, reprotect',
    ]);
    expect(refused({ site: 'target' })).toEqual([
      'stopConditions[id=error-rate].site: expected primary, secondary or serving (the site the phase moves service to)',
    ]);
  });
});

describe('approvals per gate, with roles', () => {
  const approvals = (extra: Doc = {}): Doc => ({
    approvers: [
      { id: 'alice', roles: ['dba'] },
      { id: 'bob', roles: ['change-manager'] },
      { id: 'carol', roles: ['dba', 'change-manager'] },
      'dave',
    ],
    ...extra,
  });
  const plan = (extra: Doc) => planWith({ app: service() }, { approvals: approvals(extra) });
  const refused = (extra: Doc) => refusalsOf({ app: service() }, { approvals: approvals(extra) });

  it('plan show says what each gate needs', () => {
    const p = plan({ gates: { failover: { roles: ['dba', 'change-manager'] }, signoff: { approvers: ['dave'] } } });
    const text = renderRunbook(p, compileRunbook(p, 'drill'));
    expect(text).toContain('approvers: alice (dba), bob (change-manager), carol (dba, change-manager), dave; quorum 1');
    expect(text).toContain('[gate] approval of 1 approver(s) before this phase');
    expect(text).toContain(
      '[gate] approval of 2 of alice, bob, carol, dave, one per role: dba, change-manager before this phase',
    );
    expect(text).toContain('[gate] sign-off by 1 of dave');
  });

  it('refuses unknown approvers and roles, a quorum under the roles, and gates nobody could approve', () => {
    expect(refused({ gates: { failover: { approvers: ['erin'] } } })).toEqual([
      'approvals.gates.failover.approvers[0]: expected the id of one of approvals.approvers (alice, bob, carol, dave); got "erin"',
    ]);
    expect(refused({ gates: { failover: { roles: ['ciso'] } } })).toEqual([
      'approvals.gates.failover.roles[0]: no approver holds the role "ciso"; expected one of the roles approvals.approvers carry (dba, change-manager)',
    ]);
    expect(refused({ gates: { failover: { roles: ['dba', 'change-manager'], quorum: 1 } } })).toEqual([
      'approvals.gates.failover.quorum: expected at least 2: each of the roles dba, change-manager needs its own approval',
    ]);
    expect(
      refused({ gates: { failover: { approvers: ['alice', 'dave'], roles: ['dba', 'change-manager'] } } }),
    ).toEqual([
      'approvals.gates.failover: the failover gate needs an approval per role (dba, change-manager), each by a different person, but only 1 can be filled (dba: alice; change-manager: nobody)',
    ]);
    expect(refused({ gates: { failover: { approvers: ['alice'], quorum: 2 } } })).toEqual([
      'approvals.gates.failover: the failover gate needs 2 approvals but has 1 approver(s) (alice): nobody could approve it',
    ]);
    expect(refused({ gates: { takeover: {} } })).toEqual([
      expect.stringMatching(/^approvals\.gates: unknown field "takeover"/),
    ]);
  });

  it('at the start, refuses a starter four-eyes bars from a gate that then cannot be approved', () => {
    // Two approvers, quorum 2: fine when an operator starts it, impossible when alice does.
    const two = planWith({ app: service() }, { approvals: { approvers: ['alice', 'bob'], quorum: 2 } });
    expect(unapprovableGates(two.approvals, 'drill', 'oncall')).toEqual([]);
    expect(unapprovableGates(two.approvals, 'drill', 'alice')).toEqual([
      'each gate needs 2 approvals but has 2 approver(s) (alice, bob), and alice started this drill, so under fourEyes cannot approve it: nobody could approve it',
    ]);
    const roles = plan({ gates: { failover: { approvers: ['alice', 'bob'], roles: ['dba', 'change-manager'] } } });
    expect(unapprovableGates(roles.approvals, 'drill', 'bob')).toEqual([
      'the failover gate needs 2 approvals but has 2 approver(s) (alice, bob), and bob started this drill, so under fourEyes cannot approve it: nobody could approve it',
    ]);
    const three = plan({
      gates: { failover: { approvers: ['alice', 'bob', 'dave'], roles: ['dba', 'change-manager'] } },
    });
    expect(unapprovableGates(three.approvals, 'drill', 'bob')).toEqual([
      'the failover gate needs an approval per role (dba, change-manager), each by a different person, but only 1 can be filled (dba: alice; change-manager: nobody), and bob started this drill, so under fourEyes cannot approve it',
    ]);
    // A failback drill never opens the failover gate.
    expect(unapprovableGates(roles.approvals, 'failback', 'bob')).toEqual([]);
    const open = plan({
      fourEyes: false,
      gates: { failover: { approvers: ['alice', 'bob'], roles: ['dba', 'change-manager'] } },
    });
    expect(unapprovableGates(open.approvals, 'drill', 'bob')).toEqual([]);
  });
});
