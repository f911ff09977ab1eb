/**
 * The `ssm` step driver against moto's server mode: an Auto Scaling group of three web nodes (one
 * of them taken to Standby), a team's step running the seeds' node check on every InService node
 * through SSM Run Command, a retry that finds the command its first attempt sent, and a whole drill
 * of the stand-in lab whose failover-check runs the step and keeps each node's result in its record.
 *
 * What moto does not prove: it runs nothing. SendCommand records the command and its instance ids
 * (read back with ListCommands; moto adds every EC2 instance of the region to it, so that the
 * Standby node was not asked is read from the request the worker's client sent), and GetCommandInvocation answers Success, exit 0 and empty output for every
 * instance at once, without an SSM agent, a shell, an instance profile or a real exit code. So a
 * failing node, a timed-out or undeliverable one and a slow one are judged in
 * test/unit/ssm-driver.test.ts over AWS's answer shapes; here moto's empty output is what makes the
 * `expectOutput` case fail closed. Real delivery (agents registered, IAM) is only seen on AWS.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  EnterStandbyCommand,
} from '@aws-sdk/client-auto-scaling';
import { ListCommandsCommand, type SendCommandCommandInput, type SSMClient } from '@aws-sdk/client-ssm';
import type { Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Client } from '@temporalio/client';
import { createSsmActivities } from '../activities/ssm';
import { startDrill } from '../src/drills';
import { driveDrill } from './support/operators';
import { createStandinLab, type StandinLab } from './support/standinLab';
import { startTestWorker, testClient, uniqueQueue, type RunningWorker } from './support/temporal';
import type { NodeRun } from '../activities/ssm/nodes';
import type { Observation } from '../domain';
import { failureOf, startMotoAws, type MotoAws } from './support/motoAws';
import { freePort } from './support/ports';
import { drillSteps, inputOf, stackPlan } from './support/stackPlan';

const REGION = 'eu-central-1';
const COMMANDS = [
  'set -e',
  'mountpoint -q /var/www/MISP/app/files',
  'systemctl is-active apache2',
  'supervisorctl status',
];

describe('commands on every node through SSM, on moto', () => {
  let moto: MotoAws;
  let ssm: ReturnType<typeof createSsmActivities>;
  /** The group's instances that are InService (the one in Standby is not). */
  let inService: string[];
  let standby: string;
  /** Every SendCommand request as the worker's SSM client sent it. */
  const requests: SendCommandCommandInput[] = [];
  let ssmClient: SSMClient;

  const app = {
    app: {
      kind: 'service',
      primary: { health: { http: { url: 'http://127.0.0.1:8080/health' } } },
      secondary: { health: { http: { url: 'http://127.0.0.1:8081/health' } } },
    },
  };
  const stepInput = (driver: Record<string, unknown>) =>
    inputOf(
      'runSsmCommand',
      drillSteps(
        stackPlan(app, {
          steps: [
            {
              id: 'web-nodes',
              phase: 'failover-check',
              segment: 'verify',
              site: 'secondary',
              title: 'EFS mounted, Apache and supervisord running on every web node',
              ssm: { autoScalingGroup: 'misp-web-euc1', region: REGION, commands: COMMANDS, timeout: '20s', ...driver },
            },
          ],
        }),
      ),
      'failover-check.web-nodes',
    );
  const commandsSent = async () => (await moto.clients.ssm(REGION).send(new ListCommandsCommand({}))).Commands ?? [];

  /** One attempt of the activity as Temporal runs it, with the details its heartbeats carried. */
  async function attempt(
    driver: Record<string, unknown>,
    info: Partial<Info>,
  ): Promise<{ outcome?: Observation; failure?: Awaited<ReturnType<typeof failureOf>>; heartbeats: unknown[] }> {
    const env = new MockActivityEnvironment({
      activityId: '7',
      workflowExecution: { workflowId: 'drill-misp-test', runId: 'run-1' },
      scheduledTimestampMs: Date.now(),
      ...info,
    });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    let outcome: Observation | undefined;
    const failure = await failureOf(
      (env.run(ssm.runSsmCommand, stepInput(driver)) as Promise<Observation>).then((o) => {
        outcome = o;
      }),
    );
    return { outcome, failure, heartbeats };
  }

  beforeAll(async () => {
    moto = await startMotoAws(await freePort(), mkdtempSync(path.join(os.tmpdir(), 'drillbook-ssm-')));
    // The worker's own SSM client, with a record of each SendCommand it sends: moto's record of a
    // command lists every EC2 instance of the region, not only those asked (see the first test).
    ssmClient = moto.clients.ssm(REGION);
    ssmClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendCommandCommand') requests.push(args.input as SendCommandCommandInput);
        return next(args);
      },
      { step: 'initialize', name: 'recordSendCommand' },
    );
    ssm = createSsmActivities({ aws: () => ({ ...moto.clients, ssm: () => ssmClient }) });
    const asg = moto.clients.autoscaling(REGION);
    await asg.send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: 'misp-web',
        ImageId: 'ami-12c6146b',
        InstanceType: 't3.small',
      }),
    );
    for (const [name, capacity] of [
      ['misp-web-euc1', 3],
      ['misp-web-empty', 0],
    ] as const)
      await asg.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchConfigurationName: 'misp-web',
          MinSize: 0,
          MaxSize: 4,
          DesiredCapacity: capacity,
          AvailabilityZones: [`${REGION}a`],
        }),
      );
    const instances = async () =>
      (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['misp-web-euc1'] })))
        .AutoScalingGroups?.[0]?.Instances ?? [];
    standby = (await instances())[0].InstanceId as string;
    // A node taken out for maintenance: in the group, not InService, so not asked.
    await asg.send(
      new EnterStandbyCommand({
        AutoScalingGroupName: 'misp-web-euc1',
        InstanceIds: [standby],
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    const after = await instances();
    expect(after.find((i) => i.InstanceId === standby)?.LifecycleState).toBe('Standby');
    inService = after
      .filter((i) => i.LifecycleState === 'InService')
      .map((i) => i.InstanceId as string)
      .sort();
    expect(inService).toHaveLength(2);
  });
  afterAll(() => moto?.stop());

  it("sends the commands to every InService node, and only those, and records each node's status, exit and output", async () => {
    const before = (await commandsSent()).length;
    const sentBefore = requests.length;
    const { outcome, failure, heartbeats } = await attempt({}, { attempt: 1 });
    expect(failure).toBeUndefined();
    expect(outcome?.summary).toMatch(
      /^All 2 InService nodes of misp-web-euc1 \(eu-central-1\) ran the commands with success \(SSM command [0-9a-f-]+\): i-\w+ Success exit 0, i-\w+ Success exit 0$/,
    );
    const nodes = outcome?.facts.nodes as NodeRun[];
    expect(nodes.map((n) => n.instanceId).sort()).toEqual(inService);
    for (const node of nodes) expect(node).toMatchObject({ status: 'Success', exitCode: 0, output: '', error: '' });

    // What SSM was asked: one command, to exactly the InService nodes, with the plan's lines and bound.
    expect(requests).toHaveLength(sentBefore + 1);
    const request = requests[requests.length - 1];
    expect([...(request.InstanceIds ?? [])].sort()).toEqual(inService);
    expect(request).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Parameters: { commands: COMMANDS, executionTimeout: ['20'] },
      TimeoutSeconds: 30,
    });
    const sent = await commandsSent();
    expect(sent).toHaveLength(before + 1);
    const command = sent[sent.length - 1];
    expect(command.CommandId).toBe(outcome?.facts.commandId);
    // moto adds every EC2 instance of the region to a command sent without Targets (its
    // _get_instance_ids_from_targets with no filter), the Standby node too: its record shows every
    // InService node was asked, the request above that the Standby one was not.
    expect(command.InstanceIds).toEqual(expect.arrayContaining(inService));
    expect(command.Parameters).toMatchObject({ commands: COMMANDS });
    expect(command.Comment).toMatch(/^drillbook failover-check\.web-nodes [0-9a-f]{20}$/);
    // The command id is in the heartbeat details, for a retry to find.
    expect(heartbeats).toContainEqual(expect.objectContaining({ ssmCommandId: command.CommandId }));
  });

  it('a retry waits for the command its first attempt sent instead of running the commands twice', async () => {
    const first = await attempt({}, { activityId: '9', attempt: 1 });
    const id = first.outcome?.facts.commandId;
    const count = (await commandsSent()).length;
    const requested = requests.length;

    // Temporal hands attempt 2 the details attempt 1 heartbeated last.
    const last = first.heartbeats[first.heartbeats.length - 1];
    const second = await attempt({}, { activityId: '9', attempt: 2, heartbeatDetails: last });
    expect(second.outcome?.facts).toMatchObject({ commandId: id, reusedCommand: true });
    expect(second.outcome?.summary).toContain(`SSM command ${id}, sent by an earlier attempt`);

    // A worker that died before its first heartbeat left only the command's comment: found by it.
    const third = await attempt({}, { activityId: '9', attempt: 3, heartbeatDetails: undefined });
    expect(third.outcome?.facts).toMatchObject({ commandId: id, reusedCommand: true });
    expect(await commandsSent()).toHaveLength(count);
    expect(requests).toHaveLength(requested);

    // An operator's retry is a new activity: the commands run again, deliberately.
    const rerun = await attempt({}, { activityId: '10', attempt: 1 });
    expect(rerun.outcome?.facts.commandId).not.toBe(id);
    expect(await commandsSent()).toHaveLength(count + 1);
  });

  it("fails closed on moto's empty output when the plan expects some: every node is named", async () => {
    const { failure, outcome } = await attempt({ expectOutput: '^active$' }, { activityId: '11', attempt: 1 });
    expect(outcome).toBeUndefined();
    expect(failure).toMatchObject({ type: 'SsmCommandFailed', nonRetryable: true });
    expect(failure?.message).toMatch(
      /^2 of 2 nodes of misp-web-euc1 \(eu-central-1\) did not succeed \(SSM command [0-9a-f-]+\): i-\w+ exit 0 but its output does not match \^active\$ \(no output\); i-\w+ exit 0 but its output does not match/,
    );
  });

  it('a group with no InService node is no pass, and nothing is sent', async () => {
    const count = (await commandsSent()).length;
    const { failure } = await attempt({ autoScalingGroup: 'misp-web-empty' }, { activityId: '12', attempt: 1 });
    expect(failure).toMatchObject({ type: 'SsmNoNodes', nonRetryable: false });
    expect(failure?.message).toBe(
      'Auto Scaling group misp-web-empty (eu-central-1) has no InService instance: the commands ran nowhere, so nothing is known of its nodes',
    );
    expect(await commandsSent()).toHaveLength(count);
  });

  it("refuses a group that does not exist, naming the step's field", async () => {
    const { failure } = await attempt({ autoScalingGroup: 'misp-web-typo' }, { activityId: '13', attempt: 1 });
    expect(failure).toMatchObject({ type: 'AutoScalingGroupNotFound', nonRetryable: true });
    expect(failure?.message).toBe(
      "there is no Auto Scaling group misp-web-typo (eu-central-1) (the step's ssm.autoScalingGroup): check its name and region",
    );
  });

  describe('in a whole drill', () => {
    let client: Client;
    let worker: RunningWorker;
    let lab: StandinLab;
    const queue = uniqueQueue('ssm');

    beforeAll(async () => {
      client = await testClient();
      // The worker's AWS clients are moto's; everything else is the stand-in lab's real drill.
      worker = await startTestWorker(queue, { aws: moto.clients });
      lab = await createStandinLab('ssm-drill-lab', (plan) => {
        plan.steps.push({
          id: 'web-nodes',
          phase: 'failover-check',
          segment: 'verify',
          site: 'secondary',
          title: 'EFS mounted, Apache and supervisord running on every web node',
          ssm: { autoScalingGroup: 'misp-web-euc1', region: REGION, commands: COMMANDS, timeout: '20s' },
        });
      });
      lab.appctl('start', 'primary');
    });
    afterAll(async () => {
      lab?.stopAll();
      await worker?.stop();
      await client?.connection.close();
    });

    it("runs the team's step on every InService node after the failover, each node's result in the drill's record", async () => {
      const handle = await startDrill(client, queue, {
        target: lab.target,
        requestedBy: 'oncall',
        planYaml: lab.planYaml,
        reason: 'ssm test',
      });
      const record = await driveDrill(client, handle.workflowId, { approvers: ['alice', 'bob'], operator: 'oncall' });
      expect(record.status).toBe('succeeded');
      const step = record.steps.find((s) => s.id === 'failover-check.web-nodes');
      expect(step).toMatchObject({ status: 'succeeded', action: 'runSsmCommand' });
      expect(step?.summary).toMatch(
        /^All 2 InService nodes of misp-web-euc1 \(eu-central-1\) ran the commands with success/,
      );
      const nodes = (step?.facts as { nodes: NodeRun[] }).nodes;
      expect(nodes.map((n) => n.instanceId).sort()).toEqual(inService);
      expect(nodes.every((n) => n.status === 'Success' && n.exitCode === 0)).toBe(true);
    });
  });
});
