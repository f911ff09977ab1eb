/**
 * The elbv2 kind, and the health file judged by ALB target health, against moto's server mode
 * (port 25530). moto runs no health checks: a registered target is `healthy` at once (even an id
 * that is no instance), a deregistered one `unused` (Target.NotRegistered). So the test checks what
 * moto can show (registration, the waits for a count of healthy targets, a count never reached
 * failing) and that a health file moved aside is NOT taken as the node leaving rotation when the
 * load balancer does not say so. Unknown target groups are refused with the plan's field.
 */
import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { createElbv2Activities } from '../kinds/elbv2/activities';
import { createHealthFileActivities } from '../kinds/lbHealthFile/activities';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';

const PORT = 25530;
const TARGETS = { primary: ['172.31.1.11', '172.31.1.12'], secondary: ['172.31.2.11', '172.31.2.12'] };

describe('elbv2 target groups on moto', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-elbv2-'));
  let moto: MotoAws;
  let elbv2: ReturnType<typeof createElbv2Activities>;
  const arns = { primary: '', secondary: '' };

  const component = (overrides: Record<string, unknown> = {}) => ({
    kind: 'elbv2',
    waitTimeout: '1500ms',
    pollInterval: '200ms',
    primary: { targetGroupArn: arns.primary, targets: TARGETS.primary.map((id) => ({ id, port: 80 })) },
    secondary: { targetGroupArn: arns.secondary, targets: TARGETS.secondary.map((id) => ({ id, port: 80 })) },
    ...overrides,
  });
  const steps = (overrides: Record<string, unknown> = {}) => drillSteps(stackPlan({ alb: component(overrides) }));
  const states = async (arn: string) =>
    (
      await moto.clients.elbv2().send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))
    ).TargetHealthDescriptions?.map((d) => `${d.Target?.Id} ${d.TargetHealth?.State}`);

  /** moto's default VPC, through the EC2 query API (the project has no EC2 client; moto does not check signatures). */
  async function defaultVpc(endpoint: string): Promise<string> {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'Action=DescribeVpcs&Version=2016-11-15',
    });
    const vpc = /<vpcId>([^<]+)</.exec(await response.text())?.[1];
    if (!vpc) throw new Error('moto listed no default VPC');
    return vpc;
  }

  beforeAll(async () => {
    moto = await startMotoAws(PORT, dir);
    elbv2 = createElbv2Activities({ aws: () => moto.clients });
    const vpc = await defaultVpc(moto.endpoint);
    for (const site of ['primary', 'secondary'] as const) {
      const made = await moto.clients.elbv2().send(
        new CreateTargetGroupCommand({
          Name: `misp-${site}`,
          Protocol: 'HTTP',
          Port: 80,
          VpcId: vpc,
          TargetType: 'ip',
          HealthCheckPath: '/health.html',
        }),
      );
      arns[site] = made.TargetGroups?.[0]?.TargetGroupArn as string;
    }
    // Before the drill the primary's nodes take traffic; the secondary's are not registered.
    await moto.clients.elbv2().send(
      new RegisterTargetsCommand({
        TargetGroupArn: arns.primary,
        Targets: TARGETS.primary.map((Id) => ({ Id, Port: 80 })),
      }),
    );
  });
  afterAll(() => moto?.stop());

  it("drains the primary's targets and registers the secondary's, waiting until the load balancer says so", async () => {
    const s = steps();
    const pre = await elbv2.elbv2Preflight(inputOf('elbv2Preflight', s, 'preparation.alb.preflight.primary'));
    expect(pre.summary).toMatch(
      /Target groups found: dc1 \(primary\) 172.31.1.11:80 healthy, 172.31.1.12:80 healthy; dc2 \(secondary\) no targets/,
    );

    const drained = await elbv2.elbv2Deregister(inputOf('elbv2Deregister', s, 'failover.alb.deregister.primary'));
    expect(drained.summary).toMatch(
      /dc1 \(primary\) drained from targetgroup\/misp-primary\/\w+: deregistered 172.31.1.11, 172.31.1.12; .*unused \(Target.NotRegistered\)/,
    );
    // moto: unregistered targets vanish from the group's health at once; on AWS they go through `draining` first.
    expect(await states(arns.primary)).toEqual([]);

    const registered = await elbv2.elbv2Register(inputOf('elbv2Register', s, 'failover.alb.register.secondary'));
    // moto: `healthy` the moment they are registered; on AWS `initial` until the health checks pass.
    expect(registered.summary).toMatch(
      /dc2 \(secondary\) in targetgroup\/misp-secondary\/\w+: registered 172.31.2.11, 172.31.2.12, 2 healthy after/,
    );
    const health = await elbv2.elbv2Health(inputOf('elbv2Health', s, 'failover-check.alb.healthy.secondary'));
    expect(health.facts).toMatchObject({ healthy: 2, expected: 2 });

    const again = await elbv2.elbv2Register(inputOf('elbv2Register', s, 'failover.alb.register.secondary'));
    expect(again.facts).toMatchObject({ registered: [] });
  });

  it('fails a health wait that never reaches the count it needs, saying what the load balancer reported', async () => {
    const s = steps({ secondary: { targetGroupArn: arns.secondary, minHealthy: 3 } });
    const failure = await failureOf(
      elbv2.elbv2Health(inputOf('elbv2Health', s, 'failover-check.alb.healthy.secondary')),
    );
    expect(failure).toMatchObject({ type: 'TargetsUnhealthy', nonRetryable: false });
    expect(failure?.message).toMatch(
      /misp-secondary\/\w+ of dc2 \(secondary\) has 2 healthy target\(s\), needs 3: 172.31.2.11:80 healthy, 172.31.2.12:80 healthy/,
    );
  });

  it("refuses a target group the load balancer does not know, naming the plan's field", async () => {
    const missing = arns.secondary.replace(/\/[0-9a-f]+$/, '/0123456789abcdef');
    const failure = await failureOf(
      elbv2.elbv2Preflight(
        inputOf(
          'elbv2Preflight',
          steps({ secondary: { targetGroupArn: missing } }),
          'preparation.alb.preflight.primary',
        ),
      ),
    );
    expect(failure).toMatchObject({ nonRetryable: true });
    expect(failure?.message).toMatch(
      /target group arn:aws:elasticloadbalancing:us-east-1:\d+:targetgroup\/misp-secondary\/0123456789abcdef: TargetGroupNotFound.*check the plan's secondary.targetGroupArn and its region/,
    );
  });

  it('does not take a health file moved aside as the node out of rotation while the target group still says healthy (moto never checks)', async () => {
    for (const site of ['dc1', 'dc2']) mkdirSync(path.join(dir, site), { recursive: true });
    writeFileSync(path.join(dir, 'dc2', 'health.html'), 'ok\n');
    const fileSteps = drillSteps(
      stackPlan({
        web: {
          kind: 'lbHealthFile',
          judgedBy: 'elbv2',
          waitTimeout: '1s',
          pollInterval: '200ms',
          primary: { path: path.join(dir, 'dc1', 'health.html'), targetGroupArn: arns.primary },
          secondary: { path: path.join(dir, 'dc2', 'health.html'), targetGroupArn: arns.secondary },
        },
      }),
    );
    const healthFile = createHealthFileActivities({ aws: () => moto.clients });
    const out = await failureOf(
      healthFile.healthFileRemove(inputOf('healthFileRemove', fileSteps, 'failback.web.out.secondary')),
    );
    expect(out).toMatchObject({ type: 'HealthFileStillHealthy', nonRetryable: false });
    expect(out?.message).toMatch(
      /health.html is moved aside on dc2 \(secondary\), but after 1s the load balancer still does not see it unhealthy: target group: 172.31.2.11:80 healthy, 172.31.2.12:80 healthy/,
    );
    expect(existsSync(path.join(dir, 'dc2', 'health.html.drill-off'))).toBe(true);
    const back = await healthFile.healthFileRestore(
      inputOf('healthFileRestore', fileSteps, 'failover.web.in.secondary'),
    );
    expect(back.summary).toMatch(
      /dc2 \(secondary\) back in rotation: .*health.html restored; the load balancer saw it healthy/,
    );
  });
});
