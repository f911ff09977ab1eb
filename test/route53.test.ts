/**
 * The Route 53 traffic switch against moto's server mode: simple records (UPSERT, INSYNC, read
 * back, idempotent), failover records (the primary's health check inverted and restored), plan
 * errors, and a whole drill whose switch segment moves the record and moves it back.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateLoadBalancerCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetHealthCheckCommand, Route53Client, UpdateHealthCheckCommand } from '@aws-sdk/client-route-53';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { stringify } from 'yaml';
import { createRoute53Activities } from '../kinds/route53/activities/index';
import { recordSets, valuesOf } from '../kinds/route53/activities/records';
import { startDrill } from '../src/drills';
import { parsePlan } from '../plan/load';
import { compileRunbook } from '../workflows/runbook';
import { createHealthCheck, createZone, startMoto, type Moto } from './support/moto';
import { ec2Query } from './support/motoAws';
import { recordHistoryIfAsked } from './support/histories';
import { driveDrill } from './support/operators';
import { throttlingProxy } from './support/throttlingProxy';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { Step, StepInput, StepOf } from '../domain';
import type { Route53Action, Route53Args } from '../kinds/route53/actions';

const basePlan = (dns: Record<string, unknown>, steps: unknown[] = []) => ({
  target: 'dns-lab',
  platform: 'generic',
  sites: { primary: { name: 'dc1' }, secondary: { name: 'dc2' } },
  approvals: { approvers: ['alice', 'bob'] },
  objectives: { rto: '5m' },
  components: { dns },
  steps,
});

function stepsOf(dns: Record<string, unknown>, extra: unknown[] = []) {
  const parsed = parsePlan(stringify(basePlan(dns, extra)));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return compileRunbook(parsed.plan, 'drill').phases.flatMap((p) => p.steps);
}

/** The step as the workflow would send it to the activity of its action (checked, so a wrong id fails loudly). */
const input = <A extends Route53Action>(action: A, step: Step): StepInput<A> => {
  if (step.action !== action) throw new Error(`${step.id} runs ${step.action}, not ${action}`);
  return { drillId: 'drill-dns-lab', target: 'dns-lab', step: step as StepOf<A> };
};
const find = (steps: Step[], id: string): Step => {
  const found = steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${steps.map((s) => s.id).join(', ')}`);
  return found;
};

describe('Route 53 on moto', () => {
  let moto: Moto;
  let r53: Route53Client;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-route53-'));
  const activities = () => createRoute53Activities({});

  beforeAll(async () => {
    moto = await startMoto(dir);
    r53 = moto.client;
  });
  afterAll(async () => {
    await moto?.stop();
  });

  describe('a simple record', () => {
    let zone: string;
    let steps: Step[];
    beforeAll(async () => {
      zone = await createZone(r53, 'simple.example.com', [
        {
          Name: 'cti.simple.example.com.',
          Type: 'CNAME',
          TTL: 60,
          ResourceRecords: [{ Value: 'cti-dc1.example.net' }],
        },
      ]);
      steps = stepsOf({
        kind: 'route53',
        hostedZoneId: zone,
        record: { name: 'cti.simple.example.com', type: 'CNAME', ttl: 60 },
        primary: { values: ['cti-dc1.example.net'] },
        secondary: { values: ['cti-dc2.example.net'] },
        pollInterval: '1s',
        waitTimeout: '30s',
      });
    });

    it('compiles to a preflight, read-backs and a destructive switch in failover and failback', () => {
      expect(find(steps, 'preparation.dns.preflight.primary').action).toBe('route53Preflight');
      expect(find(steps, 'preparation.dns.points.primary').action).toBe('route53Check');
      const over = find(steps, 'failover.dns.switch.secondary');
      expect(over).toMatchObject({ action: 'route53Switch', destructive: true, site: 'secondary' });
      expect(find(steps, 'failback.dns.switch.primary')).toMatchObject({ action: 'route53Switch', site: 'primary' });
      expect(find(steps, 'failover-check.dns.points.secondary').action).toBe('route53Check');
    });

    it('keeps a command step for what is not Route 53 (a load balancer, a firewall) in the same switch segment', () => {
      const lb = {
        id: 'lb-switch',
        phase: 'failover',
        segment: 'switch',
        title: 'Move the load balancer pool to dc2',
        destructive: true,
        command: ['lbctl', 'activate', 'dc2'],
      };
      const withLb = stepsOf(
        {
          kind: 'route53',
          hostedZoneId: zone,
          record: { name: 'cti.simple.example.com', type: 'CNAME' },
          primary: { values: ['a.example.net'] },
          secondary: { values: ['b.example.net'] },
        },
        [lb],
      );
      const failover = withLb.filter((s) => s.phase === 'failover').map((s) => `${s.id}:${s.action}`);
      expect(failover).toEqual(['failover.dns.switch.secondary:route53Switch', 'failover.lb-switch:runCommand']);
    });

    it('preflights, switches with an UPSERT that is INSYNC and read back, and is idempotent', async () => {
      const a = activities();
      const pre = await a.route53Preflight(input('route53Preflight', find(steps, 'preparation.dns.preflight.primary')));
      expect(pre.summary).toContain('cti-dc1.example.net');
      await a.route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary')));

      const switched = await a.route53Switch(input('route53Switch', find(steps, 'failover.dns.switch.secondary')));
      expect(switched.facts).toMatchObject({
        changed: true,
        before: ['cti-dc1.example.net'],
        after: ['cti-dc2.example.net'],
      });
      expect(switched.facts.changeId).toMatch(/^\/change\//);
      expect(typeof switched.facts.insyncMs).toBe('number');
      const sets = await recordSets(r53, find(steps, 'failover.dns.switch.secondary').args as unknown as Route53Args);
      expect(valuesOf(sets[0])).toEqual(['cti-dc2.example.net']);

      const again = await a.route53Switch(input('route53Switch', find(steps, 'failover.dns.switch.secondary')));
      expect(again.facts.changed).toBe(false);
      expect(again.summary).toContain('already pointed at dc2');

      await a.route53Check(input('route53Check', find(steps, 'failover-check.dns.points.secondary')));
      await expect(
        a.route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary'))),
      ).rejects.toThrow(/points at dc2 \(secondary\).*expected dc1/);

      await a.route53Switch(input('route53Switch', find(steps, 'failback.dns.switch.primary')));
      await a.route53Check(input('route53Check', find(steps, 'failback-check.dns.points.primary')));
    });

    it('refuses a record missing from the zone as something a person must fix', async () => {
      const missing = stepsOf({
        kind: 'route53',
        hostedZoneId: zone,
        record: { name: 'nothing.simple.example.com', type: 'A' },
        primary: { values: ['10.0.0.1'] },
        secondary: { values: ['10.0.0.2'] },
      });
      const failure = await activities()
        .route53Preflight(input('route53Preflight', find(missing, 'preparation.dns.preflight.primary')))
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect((failure as ApplicationFailure).nonRetryable).toBe(true);
      expect((failure as Error).message).toMatch(/does not exist/);

      const elsewhere = stepsOf({
        kind: 'route53',
        hostedZoneId: zone,
        record: { name: 'cti.other.org', type: 'A' },
        primary: { values: ['10.0.0.1'] },
        secondary: { values: ['10.0.0.2'] },
      });
      await expect(
        activities().route53Preflight(input('route53Preflight', find(elsewhere, 'preparation.dns.preflight.primary'))),
      ).rejects.toThrow(/is not in hosted zone/);
      const noZone = stepsOf({
        kind: 'route53',
        hostedZoneId: 'ZNOSUCHZONE',
        record: { name: 'a.b.c', type: 'A' },
        primary: { values: ['10.0.0.1'] },
        secondary: { values: ['10.0.0.2'] },
      });
      const zoneFailure = await activities()
        .route53Preflight(input('route53Preflight', find(noZone, 'preparation.dns.preflight.primary')))
        .catch((e: unknown) => e);
      expect((zoneFailure as ApplicationFailure).nonRetryable).toBe(true);
    });
  });

  describe('an alias record to a load balancer', () => {
    /** Each site's ALB as moto made it: its DNS name and its canonical hosted zone. */
    const albs: Record<'primary' | 'secondary', { dnsName: string; hostedZoneId: string }> = {
      primary: { dnsName: '', hostedZoneId: '' },
      secondary: { dnsName: '', hostedZoneId: '' },
    };
    let zone: string;
    let steps: Step[];
    beforeAll(async () => {
      const elbv2 = new ElasticLoadBalancingV2Client({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      // An ALB needs subnets in two zones: moto's default VPC has one per zone.
      const subnets = [...(await ec2Query(moto.endpoint, 'DescribeSubnets')).matchAll(/<subnetId>([^<]+)</g)]
        .map((m) => m[1])
        .slice(0, 2);
      for (const site of ['primary', 'secondary'] as const) {
        const made = await elbv2.send(new CreateLoadBalancerCommand({ Name: `misp-${site}`, Subnets: subnets }));
        const alb = made.LoadBalancers?.[0];
        albs[site] = { dnsName: alb?.DNSName ?? '', hostedZoneId: alb?.CanonicalHostedZoneId ?? '' };
      }
      expect(albs.primary.dnsName).not.toBe(albs.secondary.dnsName);
      zone = await createZone(r53, 'alias.example.com', [
        {
          Name: 'misp.alias.example.com.',
          Type: 'A',
          AliasTarget: {
            DNSName: albs.primary.dnsName,
            HostedZoneId: albs.primary.hostedZoneId,
            EvaluateTargetHealth: true,
          },
        },
      ]);
      steps = stepsOf({
        kind: 'route53',
        hostedZoneId: zone,
        record: { name: 'misp.alias.example.com', type: 'A' },
        // As an operator copies them from the console: upper case, no final dot.
        primary: {
          alias: { ...albs.primary, dnsName: albs.primary.dnsName.toUpperCase(), evaluateTargetHealth: true },
        },
        secondary: { alias: { ...albs.secondary, evaluateTargetHealth: true } },
        pollInterval: '1s',
        waitTimeout: '30s',
      });
    });

    const aliasNow = async () => {
      const sets = await recordSets(r53, find(steps, 'failover.dns.switch.secondary').args as unknown as Route53Args);
      return sets[0]?.AliasTarget;
    };

    it("switches the alias from the primary's ALB to the secondary's and back, read back each time, idempotent", async () => {
      const a = activities();
      const pre = await a.route53Preflight(input('route53Preflight', find(steps, 'preparation.dns.preflight.primary')));
      expect(pre.summary).toContain(`as an alias to ${albs.primary.dnsName}`);
      await a.route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary')));

      const switched = await a.route53Switch(input('route53Switch', find(steps, 'failover.dns.switch.secondary')));
      expect(switched.facts).toMatchObject({ changed: true });
      // What Route 53 now holds: an alias to the secondary's ALB in its zone, no values, no TTL of its own.
      const now = await aliasNow();
      expect(now?.DNSName?.toLowerCase().replace(/\.$/, '')).toBe(albs.secondary.dnsName.toLowerCase());
      expect(now?.HostedZoneId).toBe(albs.secondary.hostedZoneId);
      expect(now?.EvaluateTargetHealth).toBe(true);

      const again = await a.route53Switch(input('route53Switch', find(steps, 'failover.dns.switch.secondary')));
      expect(again.facts.changed).toBe(false);
      const there = await a.route53Check(input('route53Check', find(steps, 'failover-check.dns.points.secondary')));
      expect(there.summary).toContain(`points at dc2 (secondary): alias to ${albs.secondary.dnsName}`);
      await expect(
        a.route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary'))),
      ).rejects.toThrow(/points at dc2 \(secondary\).*expected dc1/);

      await a.route53Switch(input('route53Switch', find(steps, 'failback.dns.switch.primary')));
      expect((await aliasNow())?.DNSName?.toLowerCase().replace(/\.$/, '')).toBe(albs.primary.dnsName.toLowerCase());
      await a.route53Check(input('route53Check', find(steps, 'failback-check.dns.points.primary')));
    });

    it('refuses before the drill a plan that writes an alias for a record that holds values', async () => {
      const plain = await createZone(r53, 'plain.example.com', [
        { Name: 'misp.plain.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] },
      ]);
      const mismatch = stepsOf({
        kind: 'route53',
        hostedZoneId: plain,
        record: { name: 'misp.plain.example.com', type: 'A' },
        primary: { alias: albs.primary },
        secondary: { alias: albs.secondary },
      });
      const failure = await activities()
        .route53Preflight(input('route53Preflight', find(mismatch, 'preparation.dns.preflight.primary')))
        .catch((e: unknown) => e);
      expect((failure as ApplicationFailure).nonRetryable).toBe(true);
      expect((failure as Error).message).toMatch(
        /misp\.plain\.example\.com\. A holds values 10\.0\.0\.1, but the plan writes an alias for it: make the record and components\.dns's sites the same kind/,
      );
    });
  });

  describe('failover records', () => {
    let healthCheckId: string;
    /** The plan says nothing of the answer test: it is required. */
    let steps: Step[];
    /** The plan says the answer cannot be tested here (`answerTest: unavailable`). */
    let readBackOnly: Step[];
    beforeAll(async () => {
      healthCheckId = await createHealthCheck(r53, 8080);
      const zone = await createZone(r53, 'failover.example.com', [
        {
          Name: 'cti.failover.example.com.',
          Type: 'A',
          TTL: 30,
          SetIdentifier: 'dc1',
          Failover: 'PRIMARY',
          HealthCheckId: healthCheckId,
          ResourceRecords: [{ Value: '10.1.0.10' }],
        },
        {
          Name: 'cti.failover.example.com.',
          Type: 'A',
          TTL: 30,
          SetIdentifier: 'dc2',
          Failover: 'SECONDARY',
          ResourceRecords: [{ Value: '10.2.0.10' }],
        },
      ]);
      const dns = {
        kind: 'route53',
        hostedZoneId: zone,
        record: { name: 'cti.failover.example.com', type: 'A', ttl: 30 },
        routing: 'failover',
        primary: { setIdentifier: 'dc1', healthCheckId },
        secondary: { setIdentifier: 'dc2' },
        pollInterval: '1s',
      };
      steps = stepsOf(dns);
      readBackOnly = stepsOf({ ...dns, answerTest: 'unavailable' });
    });

    const inverted = async () =>
      (await r53.send(new GetHealthCheckCommand({ HealthCheckId: healthCheckId }))).HealthCheck?.HealthCheckConfig
        ?.Inverted;

    // moto (5.x, server mode) does not implement TestDNSAnswer: its Route 53 routes have no
    // /2013-04-01/testdnsanswer path, so the SDK's signed GET gets Werkzeug's HTML "404 Not Found"
    // page, which the SDK raises as a plain `Error` (an XML parse error) with $metadata.httpStatusCode
    // 404 (seen here; an unsigned GET of the same path even lands in moto's S3 and says NoSuchBucket).
    // What a real Route 53 answers for the test is not proven here.
    it('fails closed when the answer test answers 404 and the plan does not say it cannot be tested: nothing passes on the read-back alone', async () => {
      const failure = await activities()
        .route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary')))
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: 'Route53AnswerUntestable', nonRetryable: true });
      expect((failure as Error).message).toMatch(
        /answers TestDNSAnswer with HTTP 404, so the switch is not verified.*components\.dns\.answerTest: unavailable/,
      );
      // The switch changes the health check, then cannot verify the answer: it fails too, and a retry finds it done.
      await expect(
        activities().route53Switch(input('route53Switch', find(steps, 'failover.dns.switch.secondary'))),
      ).rejects.toMatchObject({ type: 'Route53AnswerUntestable' });
      await activities().route53Switch(input('route53Switch', find(readBackOnly, 'failback.dns.switch.primary')));
      expect(await inverted()).toBe(false);
    });

    it('with answerTest: unavailable, forces the failover by inverting the primary health check, undoes it at failback, is idempotent, and says the read-back is the only evidence', async () => {
      const a = activities();
      const pre = await a.route53Preflight(
        input('route53Preflight', find(readBackOnly, 'preparation.dns.preflight.primary')),
      );
      expect(pre.summary).toContain('PRIMARY dc1 and SECONDARY dc2');
      const before = await a.route53Check(input('route53Check', find(readBackOnly, 'preparation.dns.points.primary')));
      expect(before.summary).toMatch(
        /primary health check not inverted; the record and health-check read-back is the only evidence \(the plan says Route 53's answer cannot be tested here: answerTest: unavailable\)/,
      );

      const over = await a.route53Switch(input('route53Switch', find(readBackOnly, 'failover.dns.switch.secondary')));
      expect(over.facts).toMatchObject({ invertedBefore: false, invertedAfter: true, healthCheck: healthCheckId });
      // The plan said the answer cannot be tested: it was not asked, and the facts and the sentence say so.
      expect(over.facts.dnsAnswer).toMatchObject({ supported: false, reason: 'answerTest: unavailable in the plan' });
      expect(over.summary).toMatch(/is now inverted.*; the record and health-check read-back is the only evidence/);
      expect(await inverted()).toBe(true);
      const again = await a.route53Switch(input('route53Switch', find(readBackOnly, 'failover.dns.switch.secondary')));
      expect(again.summary).toContain('was already inverted');

      await a.route53Check(input('route53Check', find(readBackOnly, 'failover-check.dns.points.secondary')));
      await expect(
        a.route53Check(input('route53Check', find(readBackOnly, 'preparation.dns.points.primary'))),
      ).rejects.toThrow(/is inverted, so traffic does not go to dc1/);

      const back = await a.route53Switch(input('route53Switch', find(readBackOnly, 'failback.dns.switch.primary')));
      expect(back.facts).toMatchObject({ invertedBefore: true, invertedAfter: false });
      expect(await inverted()).toBe(false);
      await a.route53Check(input('route53Check', find(readBackOnly, 'failback-check.dns.points.primary')));
    });

    it('does not pass an answer check that was throttled: the switch is not verified, and the check fails to be retried', async () => {
      const proxy = await throttlingProxy(moto.endpoint, (req) => (req.url ?? '').includes('testdnsanswer'));
      try {
        const throttled = createRoute53Activities({
          route53: new Route53Client({
            region: 'us-east-1',
            endpoint: proxy.url,
            credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
            maxAttempts: 2,
          }),
        });
        await expect(
          throttled.route53Check(input('route53Check', find(steps, 'preparation.dns.points.primary'))),
        ).rejects.toMatchObject({
          type: 'Route53AnswerUnverified',
          nonRetryable: false,
          message: expect.stringMatching(/could not read Route 53's answer .*Throttling.*the switch is not verified/),
        });
        expect(proxy.throttled()).toBeGreaterThanOrEqual(1);
      } finally {
        await proxy.close();
      }
    });

    it('refuses a disabled primary health check, which would never fail over', async () => {
      await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Disabled: true }));
      try {
        await expect(
          activities().route53Preflight(input('route53Preflight', find(steps, 'preparation.dns.preflight.primary'))),
        ).rejects.toThrow(/disabled/);
      } finally {
        await r53.send(new UpdateHealthCheckCommand({ HealthCheckId: healthCheckId, Disabled: false }));
      }
    });

    it('refuses a plan whose set identifier is not in the zone', async () => {
      const wrong = stepsOf({
        kind: 'route53',
        hostedZoneId: (find(steps, 'failover.dns.switch.secondary').args as unknown as Route53Args).hostedZoneId,
        record: { name: 'cti.failover.example.com', type: 'A' },
        routing: 'failover',
        primary: { setIdentifier: 'dc1', healthCheckId },
        secondary: { setIdentifier: 'dc9' },
      });
      await expect(
        activities().route53Switch(input('route53Switch', find(wrong, 'failover.dns.switch.secondary'))),
      ).rejects.toThrow(/no record set "dc9"/);
    });
  });

  it('names the path of every mistake in a route53 component', () => {
    const errors = (dns: Record<string, unknown>) => {
      const parsed = parsePlan(stringify(basePlan(dns)));
      return parsed.ok ? [] : parsed.errors.map((e) => `${e.path}: ${e.message}`);
    };
    expect(
      errors({
        kind: 'route53',
        hostedZoneId: 'Z1',
        record: { name: 'a.example.com', type: 'A' },
        primary: {},
        secondary: { values: ['10.0.0.2'] },
      }),
    ).toEqual([expect.stringMatching(/^components\.dns\.primary\.values: simple routing needs/)]);
    expect(
      errors({
        kind: 'route53',
        hostedZoneId: 'Z1',
        record: { name: 'a.example.com', type: 'A' },
        routing: 'failover',
        primary: { setIdentifier: 'a' },
        secondary: { setIdentifier: 'b' },
      }),
    ).toEqual([expect.stringMatching(/^components\.dns\.primary\.healthCheckId: failover routing needs/)]);
    expect(
      errors({
        kind: 'route53',
        hostedZoneId: 'lower-case',
        record: { name: 'a.example.com', type: 'MX' },
        primary: { values: ['x'] },
        secondary: { values: ['y'] },
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^components\.dns\.hostedZoneId:/),
        expect.stringMatching(/^components\.dns\.record\.type:/),
      ]),
    );
    expect(
      errors({
        kind: 'route53',
        hostedZoneId: 'Z1',
        record: { name: 'a.example.com', type: 'CNAME' },
        primary: { values: ['x', 'y'] },
        secondary: { values: ['z'] },
      }),
    ).toEqual([expect.stringMatching(/^components\.dns\.primary\.values: a CNAME record holds exactly one value/)]);
    const failover = {
      kind: 'route53',
      hostedZoneId: 'Z1',
      record: { name: 'a.example.com', type: 'A' },
      routing: 'failover',
      primary: { setIdentifier: 'a', healthCheckId: 'hc' },
      secondary: { setIdentifier: 'b' },
    };
    expect(errors({ ...failover, answerTest: 'skip' })).toEqual([
      expect.stringMatching(/^components\.dns\.answerTest: expected required \(the default\) or unavailable/),
    ]);
    expect(errors({ ...failover, answerTest: 'unavailable' })).toEqual([]);
    expect(
      errors({
        kind: 'route53',
        hostedZoneId: 'Z1',
        record: { name: 'a.example.com', type: 'A' },
        primary: { values: ['x'] },
        secondary: { values: ['y'] },
        answerTest: 'unavailable',
      }),
    ).toEqual([expect.stringMatching(/^components\.dns\.answerTest: answerTest belongs to routing: failover/)]);
  });

  describe('in a whole drill', () => {
    let client: Client;
    let worker: RunningWorker;
    let lab: StandinLab;
    const queue = uniqueQueue('route53');
    let zoneId: string;

    beforeAll(async () => {
      client = await testClient();
      worker = await startTestWorker(queue);
      const zone = (zoneId = await createZone(r53, 'lab.example.com', [
        { Name: 'cti.lab.example.com.', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '127.0.0.1' }] },
      ]));
      lab = await createStandinLab('route53-drill-lab', (plan) => {
        plan.components.dns = {
          kind: 'route53',
          hostedZoneId: zone,
          record: { name: 'cti.lab.example.com', type: 'A', ttl: 60 },
          primary: { values: ['127.0.0.1'] },
          secondary: { values: ['127.0.0.2'] },
          pollInterval: '1s',
          waitTimeout: '1m',
        };
      });
      lab.appctl('start', 'primary');
    });
    afterAll(async () => {
      lab?.stopAll();
      await worker?.stop();
      await client?.connection.close();
    });

    it('moves the record to the secondary in the switch segment and back at failback', async () => {
      const handle = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
        reason: 'route53 test',
      });
      let duringFailback: string[] | undefined;
      const record = await driveDrill(client, handle.workflowId, {
        approvers: ['alice', 'bob'],
        operator: 'oncall',
        onGate: async (r) => {
          if (r.pending?.id !== 'approve-failback') return;
          // Read from Route 53 itself, not from the drill's own record of what it did.
          const sets = await recordSets(r53, {
            hostedZoneId: zoneId,
            record: { name: 'cti.lab.example.com.', type: 'A', ttl: 60 },
          } as Route53Args);
          duringFailback = valuesOf(sets[0]);
        },
      });
      expect(record.status).toBe('succeeded');
      await recordHistoryIfAsked(client, handle.workflowId, 'route53-switch');
      expect(duringFailback).toEqual(['127.0.0.2']);
      const failover = record.steps.filter((s) => s.phase === 'failover').map((s) => s.id);
      // The switch segment sits between stopping the old side and starting the new one.
      expect(failover.indexOf('failover.dns.switch.secondary')).toBeGreaterThan(
        failover.indexOf('failover.app.stop.primary'),
      );
      expect(failover.indexOf('failover.dns.switch.secondary')).toBeLessThan(
        failover.indexOf('failover.app.start.secondary'),
      );
      const back = record.steps.find((s) => s.id === 'failback.dns.switch.primary');
      expect(back).toMatchObject({
        status: 'succeeded',
        facts: { before: ['127.0.0.2'], after: ['127.0.0.1'], changed: true },
      });
      expect(record.steps.find((s) => s.id === 'failback-check.dns.points.primary')?.status).toBe('succeeded');
    });
  });
});
