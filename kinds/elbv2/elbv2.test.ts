/**
 * `kind: elbv2`: an ALB/NLB target group per site. Defaults, refusals naming the field, how many
 * healthy targets a site needs, and the switch (listed targets are deregistered from the old site
 * and registered on the new; without a list the drill only waits for the new site's targets).
 * Pure: the real loader and compiler, no AWS.
 */
import { expectedHealthy } from './recipe';
import { phaseSteps, planWith, refusalsOf } from '../../test/unit/support/kindPlan';

const arn = (region: string, id: string) =>
  `arn:aws:elasticloadbalancing:${region}:123456789012:targetgroup/misp/${id}`;
const alb = (more: Record<string, unknown> = {}) => ({
  alb: {
    kind: 'elbv2',
    primary: { targetGroupArn: arn('eu-west-1', '0123456789abcdef') },
    secondary: { targetGroupArn: arn('eu-central-1', 'fedcba9876543210') },
    ...more,
  },
});
const listed = {
  primary: {
    targetGroupArn: arn('eu-west-1', '0123456789abcdef'),
    targets: [{ id: 'i-01' }, { id: 'i-02', port: 8443 }],
  },
  secondary: { targetGroupArn: arn('eu-central-1', 'fedcba9876543210'), targets: [{ id: 'i-11' }] },
};

test('a minimal pair of target groups gets the documented defaults', () => {
  expect(planWith(alb()).components.alb).toMatchObject({ tier: 'traffic', waitTimeout: 600_000, pollInterval: 5000 });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(alb({ secondary: { targetGroupArn: 'misp-euc1' } }))).toEqual([
    'components.alb.secondary.targetGroupArn: expected a target group ARN: arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID',
  ]);
  expect(refusalsOf(alb({ primary: { targetGroupArn: arn('eu-west-1', '0123456789abcdef'), minHealthy: 0 } }))).toEqual(
    ['components.alb.primary.minHealthy: Too small: expected number to be >=1'],
  );
});

test('a site needs its minHealthy, else all its listed targets, else one healthy target', () => {
  expect(expectedHealthy({ targetGroupArn: arn('eu-west-1', '0a'), minHealthy: 2, targets: [{ id: 'i-01' }] })).toBe(2);
  expect(
    expectedHealthy({
      targetGroupArn: arn('eu-west-1', '0a'),
      targets: [{ id: 'i-01' }, { id: 'i-02' }, { id: 'i-03' }],
    }),
  ).toBe(3);
  expect(expectedHealthy({ targetGroupArn: arn('eu-west-1', '0a') })).toBe(1);
});

test("listed targets: a failover deregisters the old site's (RTO starts there) and registers the new site's, both destructive", () => {
  const plan = planWith(alb({ ...listed, waitTimeout: '15m' }));
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive, s.marks])).toEqual([
    ['failover.alb.deregister.primary', 'elbv2Deregister', 'primary', true, ['rto-start']],
    ['failover.alb.register.secondary', 'elbv2Register', 'secondary', true, []],
  ]);
  expect(failover[1]).toMatchObject({
    timeoutMs: 960_000,
    args: { waitTimeoutMs: 900_000, sites: { secondary: { targets: [{ id: 'i-11' }] } } },
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.alb.healthy.secondary', 'elbv2Health', ['rto-end']],
  ]);
});

test('without listed targets (the group registers its own) the failover only waits for the new site to be healthy, changing nothing', () => {
  const failover = phaseSteps(planWith(alb()), 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.destructive, s.title])).toEqual([
    [
      'failover.alb.register.secondary',
      false,
      'Wait until targetgroup/misp/fedcba9876543210 (dc2) has 1 healthy target(s)',
    ],
  ]);
});
