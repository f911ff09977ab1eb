/**
 * The autoscaling kind against moto's server mode (port 25520): the primary's group scaled down
 * with its capacity kept in a tag on the group, the secondary's scaled to that capacity and waited
 * for until that many instances are InService and Healthy (counted, not the SDK waiter, which
 * compares against MinSize). moto fakes the instances: they are InService and Healthy the moment
 * the group asks for them (no boot, no health-check grace), and it accepts a desired capacity above
 * MaxSize that AWS refuses, so the drill checks MaxSize itself. Unknown groups are refused.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { CAPACITY_TAG, createAsgActivities } from '../kinds/autoscaling/activities';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';

const PORT = 25520;

describe('autoscaling on moto', () => {
  let moto: MotoAws;
  let asg: ReturnType<typeof createAsgActivities>;

  const component = (overrides: Record<string, unknown> = {}) => ({
    kind: 'autoscaling',
    waitTimeout: '3s',
    pollInterval: '200ms',
    primary: { group: 'misp-dc1' },
    secondary: { group: 'misp-dc2' },
    ...overrides,
  });
  const steps = (overrides: Record<string, unknown> = {}) => drillSteps(stackPlan({ web: component(overrides) }));
  const describe_ = async (name: string) =>
    (await moto.clients.autoscaling().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })))
      .AutoScalingGroups?.[0];
  const inService = async (name: string) =>
    ((await describe_(name))?.Instances ?? []).filter(
      (i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy',
    ).length;

  beforeAll(async () => {
    moto = await startMotoAws(PORT, mkdtempSync(path.join(os.tmpdir(), 'drillbook-asg-')));
    asg = createAsgActivities({ aws: () => moto.clients });
    const client = moto.clients.autoscaling();
    await client.send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: 'misp-node',
        ImageId: 'ami-12c6146b',
        InstanceType: 't3.micro',
      }),
    );
    // The primary serves with 3 nodes (MinSize 2); the secondary's group stands by at 0.
    await client.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'misp-dc1',
        LaunchConfigurationName: 'misp-node',
        MinSize: 2,
        MaxSize: 6,
        DesiredCapacity: 3,
        AvailabilityZones: ['us-east-1a'],
      }),
    );
    await client.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'misp-dc2',
        LaunchConfigurationName: 'misp-node',
        MinSize: 0,
        MaxSize: 6,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1b'],
      }),
    );
    await client.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'misp-small',
        LaunchConfigurationName: 'misp-node',
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: ['us-east-1b'],
      }),
    );
  });
  afterAll(() => moto?.stop());

  it("knows before the drill what the secondary must run: the primary's desired capacity", async () => {
    const pre = await asg.asgPreflight(inputOf('asgPreflight', steps(), 'preparation.web.preflight.primary'));
    expect(pre.summary).toMatch(
      /misp-dc2 \(dc2, secondary\) can take 3 instances \(misp-dc1 \(dc1, primary\)'s desired capacity\)/,
    );
  });

  it('scales the primary down keeping its capacity in a tag, and the secondary up to N with N InService and Healthy', async () => {
    const s = steps();
    const down = await asg.asgScaleDown(inputOf('asgScaleDown', s, 'failover.web.scale-down.primary'));
    expect(down.summary).toMatch(
      /misp-dc1 \(dc1, primary\) scaled down from 3 to 0 \(3 kept in its drillbook:serving-capacity tag\)/,
    );
    const dc1 = await describe_('misp-dc1');
    expect(dc1).toMatchObject({ DesiredCapacity: 0, MinSize: 0 });
    expect(dc1?.Tags?.find((t) => t.Key === CAPACITY_TAG)?.Value).toBe('3');

    const up = await asg.asgScaleUp(inputOf('asgScaleUp', s, 'failover.web.scale-up.secondary'));
    // moto starts instances InService and Healthy at once; on AWS this wait is the boot and the health-check grace.
    expect(up.summary).toMatch(
      /misp-dc2 \(dc2, secondary\) scaled from 0 to 3 \(the drillbook:serving-capacity tag\): 3 InService and Healthy/,
    );
    expect(await inService('misp-dc2')).toBe(3);
    const health = await asg.asgHealth(inputOf('asgHealth', s, 'failover-check.web.in-service.secondary'));
    expect(health.summary).toMatch(/misp-dc2 \(dc2, secondary\) serves: desired 3 .* 3 InService and Healthy of 3/);

    // Run again (a worker died after the change): nothing more is asked.
    const again = await asg.asgScaleUp(inputOf('asgScaleUp', s, 'failover.web.scale-up.secondary'));
    expect(again.summary).toMatch(/already at 3/);

    // Failback: the tag on the primary brings back its 3 nodes and MinSize 2.
    await asg.asgScaleDown(inputOf('asgScaleDown', s, 'failback.web.scale-down.secondary'));
    const back = await asg.asgScaleUp(inputOf('asgScaleUp', s, 'failback.web.scale-up.primary'));
    expect(back.summary).toMatch(/misp-dc1 \(dc1, primary\) scaled from 0 to 3/);
    expect(await describe_('misp-dc1')).toMatchObject({ DesiredCapacity: 3, MinSize: 2 });
    expect((await describe_('misp-dc1'))?.Tags?.some((t) => t.Key === CAPACITY_TAG)).toBe(false);
  });

  it("refuses a serving capacity above the group's MaxSize, which moto would accept and AWS refuse", async () => {
    const failure = await failureOf(
      asg.asgPreflight(
        inputOf('asgPreflight', steps({ secondary: { group: 'misp-small' } }), 'preparation.web.preflight.primary'),
      ),
    );
    expect(failure).toMatchObject({ type: 'AutoScalingMisconfigured', nonRetryable: true });
    expect(failure?.message).toMatch(
      /misp-small \(dc2, secondary\) can hold at most 2 instances, the serving capacity is 3 .*: raise its MaxSize or lower the plan's capacity/,
    );
  });

  it("refuses a group that does not exist, naming the plan's field", async () => {
    const failure = await failureOf(
      asg.asgPreflight(
        inputOf('asgPreflight', steps({ secondary: { group: 'misp-dc2-typo' } }), 'preparation.web.preflight.primary'),
      ),
    );
    expect(failure).toMatchObject({ type: 'AutoScalingGroupNotFound', nonRetryable: true });
    expect(failure?.message).toBe(
      "there is no Auto Scaling group misp-dc2-typo (the plan's secondary.group): check its name and region",
    );
  });
});
