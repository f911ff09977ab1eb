/**
 * `kind: route53`: the DNS record that sends users to the active site. Defaults (a normalised
 * name, TTL, simple routing, waits), refusals naming the field, the switch the runbook makes
 * (one destructive switch step to the new site, checked after), and how record values compare.
 * Pure: the real loader and compiler, no AWS.
 */
import { ApplicationFailure } from '@temporalio/common';
import { holds, sameValues, simpleSet } from './activities/records';
import type { Route53Args } from './actions';
import { idsOf, phaseSteps, planWith, refusalsOf } from '../../test/unit/support/kindPlan';

const dns = (more: Record<string, unknown> = {}) => ({
  dns: {
    kind: 'route53',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    record: { name: 'CTI.example.com', type: 'CNAME' },
    primary: { values: ['cti-euw1.example.com'] },
    secondary: { values: ['cti-euc1.example.com'] },
    ...more,
  },
});
const failoverRouting = {
  routing: 'failover',
  primary: { setIdentifier: 'euw1', healthCheckId: 'hc-1' },
  secondary: { setIdentifier: 'euc1' },
};

test('a minimal record gets the documented defaults, its name lower-cased and fully qualified', () => {
  expect(planWith(dns()).components.dns).toMatchObject({
    tier: 'traffic',
    record: { name: 'cti.example.com.', type: 'CNAME', ttl: 60 },
    routing: 'simple',
    waitTimeout: 600_000,
    pollInterval: 5000,
    answerTest: 'required',
  });
});

test('wrong shapes are refused naming the field and what it accepts', () => {
  expect(refusalsOf(dns({ hostedZoneId: 'my-zone' }))).toEqual([
    'components.dns.hostedZoneId: expected a hosted zone id such as Z0123456789ABCDEFGHIJ',
  ]);
  expect(refusalsOf(dns({ secondary: { values: ['a.example.com', 'b.example.com'] } }))).toEqual([
    'components.dns.secondary.values: a CNAME record holds exactly one value',
  ]);
  expect(refusalsOf(dns({ ...failoverRouting, primary: { setIdentifier: 'euw1' } }))).toEqual([
    "components.dns.primary.healthCheckId: failover routing needs the primary record's health check: the drill fails over by inverting it",
  ]);
  expect(refusalsOf(dns({ answerTest: 'unavailable' }))).toEqual([
    'components.dns.answerTest: answerTest belongs to routing: failover; a simple record is read back, its answer is never tested',
  ]);
});

test('a failover switches the record to the new site in one destructive step, bounded by waitTimeout, and checks it after', () => {
  const plan = planWith(dns({ waitTimeout: '3m' }));
  const [switchStep, ...rest] = phaseSteps(plan, 'drill', 'failover');
  expect(rest).toEqual([]);
  expect(switchStep).toMatchObject({
    id: 'failover.dns.switch.secondary',
    action: 'route53Switch',
    site: 'secondary',
    destructive: true,
    timeoutMs: 240_000,
  });
  expect(switchStep.args).toMatchObject({
    site: 'secondary',
    routing: 'simple',
    waitTimeoutMs: 180_000,
    rtoMs: 900_000,
    sites: {
      primary: { name: 'dc1', values: ['cti-euw1.example.com'] },
      secondary: { name: 'dc2', values: ['cti-euc1.example.com'] },
    },
  });
  const check = phaseSteps(plan, 'drill', 'failover-check');
  expect(check.map((s) => [s.id, s.action, s.marks])).toEqual([
    ['failover-check.dns.points.secondary', 'route53Check', ['rto-end']],
  ]);
  expect(idsOf(phaseSteps(plan, 'drill', 'failback'))).toEqual(['failback.dns.switch.primary']);
  expect(idsOf(phaseSteps(plan, 'drill', 'preparation'))).toEqual(
    expect.arrayContaining(['preparation.dns.points.primary', 'preparation.dns.preflight.primary']),
  );
});

test("failover routing carries each site's set identifier and the primary's health check to the switch", () => {
  const [switchStep] = phaseSteps(planWith(dns(failoverRouting)), 'drill', 'failover');
  expect(switchStep.args).toMatchObject({
    routing: 'failover',
    sites: { primary: { setIdentifier: 'euw1', healthCheckId: 'hc-1' }, secondary: { setIdentifier: 'euc1' } },
  });
});

describe('alias records', () => {
  const albs = {
    record: { name: 'misp.example.com', type: 'A' },
    primary: {
      alias: { dnsName: 'misp-euw1-123.eu-west-1.elb.amazonaws.com', hostedZoneId: 'Z32O12XQLNTSW2' },
    },
    secondary: {
      alias: {
        dnsName: 'misp-euc1-456.eu-central-1.elb.amazonaws.com',
        hostedZoneId: 'Z215JYRZR1TBD5',
        evaluateTargetHealth: true,
      },
    },
  };

  test("a site's record may be an alias to its load balancer, carried to the switch", () => {
    const plan = planWith(dns(albs));
    const [switchStep] = phaseSteps(plan, 'drill', 'failover');
    expect(switchStep.title).toBe(
      'Point misp.example.com. at dc2 (an alias to misp-euc1-456.eu-central-1.elb.amazonaws.com)',
    );
    expect(switchStep.args).toMatchObject({
      routing: 'simple',
      sites: {
        primary: { alias: { hostedZoneId: 'Z32O12XQLNTSW2', evaluateTargetHealth: false } },
        secondary: { alias: { dnsName: 'misp-euc1-456.eu-central-1.elb.amazonaws.com', evaluateTargetHealth: true } },
      },
    });
  });

  test('values and an alias together, an alias CNAME, half an alias pair and an alias on failover records are refused naming the path', () => {
    expect(
      refusalsOf(dns({ ...albs, primary: { ...albs.primary, values: ['10.0.0.1'] }, secondary: albs.secondary })),
    ).toEqual([
      'components.dns.primary: values and alias cannot both be given: a record either holds values or is an alias to a target; write one of them',
    ]);
    expect(refusalsOf(dns({ ...albs, record: { name: 'misp.example.com', type: 'CNAME' } }))).toEqual([
      'components.dns.primary.alias: an alias to a load balancer is an A or AAAA record: set record.type to A (or AAAA)',
      'components.dns.secondary.alias: an alias to a load balancer is an A or AAAA record: set record.type to A (or AAAA)',
    ]);
    expect(refusalsOf(dns({ ...albs, secondary: { values: ['10.0.0.2'] } }))).toEqual([
      "components.dns.secondary: the other site's record is an alias, so this one must be too ({ alias: { dnsName, hostedZoneId } }): the switch moves the alias between targets and never turns values into an alias",
    ]);
    expect(
      refusalsOf(dns({ ...failoverRouting, primary: { ...failoverRouting.primary, alias: albs.primary.alias } })),
    ).toEqual([
      "components.dns.primary.alias: with routing: failover the drill does not rewrite an alias; it inverts the primary's health check",
    ]);
    expect(refusalsOf(dns({ ...albs, primary: { alias: { dnsName: 'alb', hostedZoneId: 'Z1' } } }))).toEqual([
      'components.dns.primary.alias.dnsName: expected the DNS name of the alias target such as misp-alb-123.eu-west-1.elb.amazonaws.com',
    ]);
  });

  test("a record holds a site's alias when the target's DNS name matches, case and final dot aside, in the same target zone", () => {
    const site = {
      name: 'dc2',
      alias: { dnsName: 'ALB-1.eu-west-1.elb.amazonaws.com', hostedZoneId: 'Z1', evaluateTargetHealth: false },
    };
    const set = (DNSName: string, HostedZoneId = 'Z1') => ({
      Name: 'misp.example.com.',
      Type: 'A' as const,
      AliasTarget: { DNSName, HostedZoneId, EvaluateTargetHealth: false },
    });
    expect(holds(set('alb-1.eu-west-1.elb.amazonaws.com.'), site)).toBe(true);
    expect(holds(set('alb-2.eu-west-1.elb.amazonaws.com.'), site)).toBe(false);
    expect(holds(set('alb-1.eu-west-1.elb.amazonaws.com.', 'Z2'), site)).toBe(false);
    // Values that happen to spell the target are not the alias, and an alias is not values.
    expect(
      holds(
        {
          Name: 'misp.example.com.',
          Type: 'A',
          TTL: 60,
          ResourceRecords: [{ Value: 'alb-1.eu-west-1.elb.amazonaws.com' }],
        },
        site,
      ),
    ).toBe(false);
    expect(holds(set('10.0.0.1'), { name: 'dc2', values: ['10.0.0.1'] })).toBe(false);
  });
});

describe('records', () => {
  test('values compare as a set, case and final dot aside', () => {
    expect(sameValues(['CTI-euc1.example.com.'], ['cti-euc1.example.com'])).toBe(true);
    expect(sameValues(['10.0.0.2', '10.0.0.1'], ['10.0.0.1', '10.0.0.2'])).toBe(true);
    expect(sameValues(['10.0.0.1'], ['10.0.0.1', '10.0.0.2'])).toBe(false);
  });

  test('a simple record that holds routing-policy sets is refused, naming them', () => {
    const args = { record: { name: 'cti.example.com.', type: 'CNAME', ttl: 60 } } as Route53Args;
    const plain = {
      Name: 'cti.example.com.',
      Type: 'CNAME' as const,
      TTL: 60,
      ResourceRecords: [{ Value: 'cti-euw1.example.com' }],
    };
    expect(simpleSet([plain], args)).toBe(plain);
    const routed = () =>
      simpleSet(
        [
          { ...plain, SetIdentifier: 'euw1' },
          { ...plain, SetIdentifier: 'euc1' },
        ],
        args,
      );
    expect(routed).toThrow(ApplicationFailure);
    expect(routed).toThrow(
      'cti.example.com. CNAME holds routing-policy record sets (euw1, euc1); set routing: failover in the plan',
    );
  });
});
