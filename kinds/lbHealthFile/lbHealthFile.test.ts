/**
 * `kind: lbHealthFile`: the file a load balancer's health check asks for. Defaults, refusals that
 * name the field and say what the chosen judge needs, and the switch (the old site's file out
 * first, RTO starting there; the new site's file back in; the new site judged healthy after).
 * Pure: the real loader and compiler.
 */
import { phaseSteps, planWith, refusalsOf, stepById } from '../../test/unit/support/kindPlan';

const TG = (region: string) => `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/misp/0123456789abcdef`;
const byHaproxy = (more: Record<string, unknown> = {}) => ({
  hf: {
    kind: 'lbHealthFile',
    judgedBy: 'haproxy',
    haproxy: { socket: '/run/haproxy/admin.sock', backend: 'misp' },
    primary: { path: 'data/dc1/health.html', servers: ['misp-dc1'] },
    secondary: { path: 'data/dc2/health.html', servers: ['misp-dc2'] },
    ...more,
  },
});
const byAlb = (more: Record<string, unknown> = {}) => ({
  hf: {
    kind: 'lbHealthFile',
    judgedBy: 'elbv2',
    primary: { path: '/var/www/health.html', via: ['ssh', 'bastion-euw1'], targetGroupArn: TG('eu-west-1') },
    secondary: { path: '/var/www/health.html', via: ['ssh', 'bastion-euc1'], targetGroupArn: TG('eu-central-1') },
    ...more,
  },
});

test('a minimal health file gets the documented defaults', () => {
  expect(planWith(byHaproxy()).components.hf).toMatchObject({
    tier: 'traffic',
    judgedBy: 'haproxy',
    waitTimeout: 120_000,
    pollInterval: 1000,
  });
  expect(planWith(byAlb()).components.hf).toMatchObject({
    judgedBy: 'elbv2',
    primary: { via: ['ssh', 'bastion-euw1'], targetGroupArn: TG('eu-west-1') },
  });
});

test('wrong shapes are refused naming the field and what the chosen judge needs', () => {
  expect(refusalsOf(byHaproxy({ haproxy: undefined }))).toEqual([
    'components.hf.haproxy: judgedBy: haproxy needs the runtime API socket and backend: { socket: /run/haproxy/admin.sock, backend: misp }',
  ]);
  expect(refusalsOf(byAlb({ secondary: { path: '/var/www/health.html' } }))).toEqual([
    'components.hf.secondary.targetGroupArn: judgedBy: elbv2 needs the target group whose health check asks for this file',
  ]);
  expect(
    refusalsOf(
      byAlb({
        primary: { path: 'webroot/health.html', via: ['ssh', 'bastion-euw1'], targetGroupArn: TG('eu-west-1') },
      }),
    ),
  ).toEqual([
    "components.hf.primary.path: with via, give an absolute path: a relative one would be the remote login's",
  ]);
  expect(refusalsOf(byHaproxy({ judgedBy: 'nginx' }))).toEqual([
    'components.hf.judgedBy: expected one of "haproxy"|"elbv2"',
  ]);
});

test("a failover takes the old site's file out first (RTO starts there) and puts the new site's in; the new site is judged healthy after", () => {
  const plan = planWith(byAlb({ waitTimeout: '5m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive, s.marks])).toEqual([
    ['failover.hf.out.primary', 'healthFileRemove', 'primary', true, ['rto-start']],
    ['failover.hf.in.secondary', 'healthFileRestore', 'secondary', true, []],
  ]);
  expect(stepById(failover, 'failover.hf.in.secondary').args).toMatchObject({
    judgedBy: 'elbv2',
    waitTimeoutMs: 300_000,
    from: 'primary',
    to: 'secondary',
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.hf.healthy.secondary', 'healthFileCheck', ['rto-end']],
  ]);
  expect(phaseSteps(plan, 'failover', 'failover').map((s) => s.bestEffort)).toEqual([true, false]);
});

test("reprotect moves the returned site's file aside and its check asks that it stays aside and out until failback", () => {
  const plan = planWith(byHaproxy());
  const reprotect = phaseSteps(plan, 'reprotect', 'reprotect');
  expect(reprotect.map((s) => [s.segment, s.id, s.action, s.site, s.destructive])).toEqual([
    ['resync', 'reprotect.hf.aside.primary', 'healthFileRemove', 'primary', true],
  ]);
  const check = phaseSteps(plan, 'reprotect', 'reprotect-check');
  expect(check.map((s) => [s.id, s.action, s.site])).toEqual([
    ['reprotect-check.hf.aside.primary', 'healthFileOutCheck', 'primary'],
  ]);
  // The failback puts it back, as any failback does: the file is restored once the primary's services run.
  const failback = phaseSteps(plan, 'failback', 'failback');
  expect(stepById(failback, 'failback.hf.in.primary').action).toBe('healthFileRestore');
});
