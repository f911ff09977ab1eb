/**
 * `kind: autoscaling`: an Auto Scaling group per site. Defaults, refusals naming the field, and
 * the switch (scale the old site down to its standby capacity, RTO starting there; scale the new
 * one up and wait until its instances are InService, bounded by waitTimeout). Pure: no AWS.
 */
import { phaseSteps, planWith, refusalsOf } from '../../test/unit/support/kindPlan';

const web = (more: Record<string, unknown> = {}) => ({
  web: {
    kind: 'autoscaling',
    primary: { group: 'misp-web-euw1', region: 'eu-west-1' },
    secondary: { group: 'misp-web-euc1', region: 'eu-central-1' },
    ...more,
  },
});

test('a minimal pair of groups gets the documented defaults: standby at 0, 15 minutes to come InService', () => {
  expect(planWith(web()).components.web).toEqual({
    kind: 'autoscaling',
    tier: 'app',
    waitTimeout: 900_000,
    pollInterval: 5000,
    primary: { group: 'misp-web-euw1', region: 'eu-west-1', standbyCapacity: 0 },
    secondary: { group: 'misp-web-euc1', region: 'eu-central-1', standbyCapacity: 0 },
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(web({ capacity: 0 }))).toEqual(['components.web.capacity: Too small: expected number to be >=1']);
  expect(refusalsOf(web({ primary: { group: 'misp-web-euw1', region: 'EU West' } }))).toEqual([
    'components.web.primary.region: expected an AWS region such as eu-west-1',
  ]);
  expect(refusalsOf(web({ waitTimeout: 900 }))).toEqual([
    'components.web.waitTimeout: expected a duration such as "30s", "15m" or "4h", got 900',
  ]);
});

test('a failover scales the old site down (RTO starts there) and the new one up, waiting for InService; checked after', () => {
  const plan = planWith(
    web({ capacity: 4, waitTimeout: '20m', primary: { group: 'misp-web-euw1', standbyCapacity: 1 } }),
  );
  const failover = phaseSteps(plan, 'drill', 'failover');
  expect(failover.map((s) => [s.id, s.action, s.site, s.destructive, s.marks])).toEqual([
    ['failover.web.scale-down.primary', 'asgScaleDown', 'primary', true, ['rto-start']],
    ['failover.web.scale-up.secondary', 'asgScaleUp', 'secondary', true, []],
  ]);
  expect(failover[0].title).toBe(
    'Scale Auto Scaling group misp-web-euw1 (dc1) down to 1, keeping its capacity in a tag',
  );
  expect(failover[1]).toMatchObject({
    title: 'Scale Auto Scaling group misp-web-euc1 (dc2) to 4 and wait until that many instances are InService',
    timeoutMs: 1_260_000,
    args: { capacity: 4, waitTimeoutMs: 1_200_000 },
  });
  expect(phaseSteps(plan, 'drill', 'failover-check').map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.web.in-service.secondary', 'asgHealth', ['rto-end']],
  ]);
  expect(phaseSteps(plan, 'failover', 'failover').map((s) => s.bestEffort)).toEqual([true, false]);
});

test('without a capacity, the new site scales to what the old one ran', () => {
  const [, up] = phaseSteps(planWith(web()), 'drill', 'failover');
  expect(up.title).toBe(
    'Scale Auto Scaling group misp-web-euc1 (dc2) to the capacity the other site ran and wait until that many instances are InService',
  );
  expect(up.args).not.toHaveProperty('capacity', expect.anything());
});
