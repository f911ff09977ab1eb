/**
 * The `ssm` step driver: the plan's commands on every InService instance of an Auto Scaling group
 * through SSM Run Command, each node's status, exit code and output in the step's record. The step
 * passes only when every node ran them with success; a group with no InService node is no pass.
 * A retried attempt finds the command its earlier attempt sent (its id in the heartbeat details, or
 * its comment among the commands SSM lists) and waits for it instead of running the commands twice.
 */
import { createHash } from 'node:crypto';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type Command,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { Context, type Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { SSM_MARGIN_MS } from '../../kinds/kit/recipe/driverStep';
import { pollFor } from '../../kinds/kit/activities/polling';
import type { Observation, StepDrivers, StepInput } from '../../kinds/kit/activities/types';
import type { AwsClients } from '../../kinds/kit/aws';
import { aws, awsFailure } from '../../kinds/kit/aws/errors';
import type { SsmDriver } from '../../domain';
import { isDone, nodeRunOf, verdictOf, type NodeRun } from './nodes';

/** SendCommand takes at most this many instance ids. */
const MAX_NODES = 50;
/** How often the nodes' invocations are read while they run. */
const POLL_EVERY_MS = 2000;
/** How far back a retry looks for the command its first attempt sent (clocks of SSM and the worker differ). */
const LOOKBACK_MS = 15 * 60_000;
const MAX_LIST_PAGES = 10;
/** Documents known to take `executionTimeout` beside `commands`. */
const RUN_SCRIPT_DOCUMENTS = ['AWS-RunShellScript', 'AWS-RunPowerShellScript'];

interface Sent {
  commandId: string;
  instanceIds: string[];
  /** Found from an earlier attempt rather than sent by this one. */
  reused: boolean;
}

const groupOf = (ssm: SsmDriver) => `${ssm.autoScalingGroup}${ssm.region ? ` (${ssm.region})` : ''}`;

function activityInfo(): Info | undefined {
  try {
    return Context.current().info;
  } catch {
    return undefined;
  }
}

/**
 * The comment every attempt of this activity gives its command: the step, and a digest of the run and
 * activity ids that stays the same across retries and differs for an operator's deliberate re-run.
 */
function commentOf(input: StepInput<'runSsmCommand'>, info: Info): string {
  const run = info.workflowExecution;
  const digest = createHash('sha256')
    .update(`${run?.workflowId ?? ''}/${run?.runId ?? ''}/${info.activityId}`)
    .digest('hex')
    .slice(0, 20);
  return `drillbook ${input.step.id.slice(0, 60)} ${digest}`;
}

async function inServiceNodes(clients: AwsClients, ssm: SsmDriver): Promise<string[]> {
  const answer = await aws(`Auto Scaling group ${groupOf(ssm)}`, () =>
    clients
      .autoscaling(ssm.region)
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [ssm.autoScalingGroup] })),
  );
  const group = answer.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === ssm.autoScalingGroup);
  if (!group)
    throw ApplicationFailure.nonRetryable(
      `there is no Auto Scaling group ${groupOf(ssm)} (the step's ssm.autoScalingGroup): check its name and region`,
      'AutoScalingGroupNotFound',
    );
  return (group.Instances ?? [])
    .filter((i) => i.LifecycleState === 'InService' && i.InstanceId)
    .map((i) => i.InstanceId as string);
}

/** The command an earlier attempt of this activity sent: by the id it heartbeated, else by its comment. */
async function earlierCommand(
  client: SSMClient,
  ssm: SsmDriver,
  info: Info,
  comment: string,
): Promise<Sent | undefined> {
  const reuse = (command: Command | undefined): Sent | undefined =>
    command?.CommandId && command.InstanceIds?.length
      ? { commandId: command.CommandId, instanceIds: command.InstanceIds, reused: true }
      : undefined;
  const heartbeated = (info.heartbeatDetails as { ssmCommandId?: unknown } | undefined)?.ssmCommandId;
  if (typeof heartbeated === 'string') {
    const listed = await client.send(new ListCommandsCommand({ CommandId: heartbeated })).catch((error: Error) => {
      // SSM forgot it (commands expire): the comment below is the last way to find it.
      if (error.name === 'InvalidCommandId') return undefined;
      throw awsFailure(error, `SSM command ${heartbeated}`);
    });
    const found = reuse(listed?.Commands?.find((c) => c.CommandId === heartbeated));
    if (found) return found;
  }
  // A worker that died between SendCommand and its first heartbeat left only the comment behind.
  if (info.attempt <= 1) return undefined;
  const since = new Date(info.scheduledTimestampMs - LOOKBACK_MS).toISOString();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const listed = await aws(`SSM commands of ${ssm.documentName}`, () =>
      client.send(
        new ListCommandsCommand({
          Filters: [
            { key: 'InvokedAfter', value: since },
            { key: 'DocumentName', value: ssm.documentName },
          ],
          MaxResults: 50,
          NextToken: nextToken,
        }),
      ),
    );
    const found = reuse(listed.Commands?.find((c) => c.Comment === comment));
    if (found) return found;
    nextToken = listed.NextToken;
    if (!nextToken) break;
  }
  return undefined;
}

async function send(
  clients: AwsClients,
  ssm: SsmDriver,
  comment: string,
  instanceIds: string[],
  waitMs: number,
): Promise<Sent> {
  const seconds = Math.ceil(waitMs / 1000);
  const answer = await aws(
    `SSM SendCommand to ${instanceIds.length} nodes of ${groupOf(ssm)}`,
    () =>
      clients.ssm(ssm.region).send(
        new SendCommandCommand({
          InstanceIds: instanceIds,
          DocumentName: ssm.documentName,
          Comment: comment,
          // Delivery: SSM's minimum is 30 s; the step's own bound ends the wait sooner.
          TimeoutSeconds: Math.max(30, seconds),
          Parameters: {
            commands: ssm.commands,
            ...(RUN_SCRIPT_DOCUMENTS.includes(ssm.documentName)
              ? { executionTimeout: [String(Math.min(172_800, Math.max(1, seconds)))] }
              : {}),
          },
        }),
      ),
    "check the step's ssm.documentName, and that the nodes run the SSM agent with an instance profile allowing it",
  );
  const commandId = answer.Command?.CommandId;
  if (!commandId)
    throw ApplicationFailure.retryable(`SSM SendCommand to ${groupOf(ssm)} answered no command id`, 'SsmNoCommand');
  return { commandId, instanceIds, reused: false };
}

/** Each node's invocation, asking again only those that have not ended. */
async function readRuns(
  client: SSMClient,
  ssm: SsmDriver,
  sent: Sent,
  known: Map<string, NodeRun>,
): Promise<NodeRun[]> {
  for (const instanceId of sent.instanceIds) {
    const before = known.get(instanceId);
    if (before && isDone(before)) continue;
    try {
      const answer = await client.send(
        new GetCommandInvocationCommand({ CommandId: sent.commandId, InstanceId: instanceId }),
      );
      known.set(instanceId, nodeRunOf(instanceId, answer, ssm.expectOutput));
    } catch (error) {
      // Right after SendCommand SSM may not know the invocation yet: not ended, asked again.
      if ((error as Error).name !== 'InvocationDoesNotExist')
        throw awsFailure(error, `SSM command ${sent.commandId} on ${instanceId}`);
      known.set(instanceId, nodeRunOf(instanceId, undefined));
    }
  }
  return sent.instanceIds.map((id) => known.get(id) ?? nodeRunOf(id, undefined));
}

const line = (run: NodeRun) =>
  `${run.instanceId} ${run.status}${run.exitCode !== undefined && run.exitCode >= 0 ? ` exit ${run.exitCode}` : ''}`;

export function createSsmActivities(deps: { aws: () => AwsClients }): StepDrivers<'runSsmCommand'> {
  return {
    async runSsmCommand(input: StepInput<'runSsmCommand'>): Promise<Observation> {
      const { ssm } = input.step.args;
      const clients = deps.aws();
      const client = clients.ssm(ssm.region);
      const waitMs = Math.max(1000, Math.min(ssm.timeout ?? Infinity, input.step.timeoutMs - SSM_MARGIN_MS));
      const info = activityInfo();
      const comment = info ? commentOf(input, info) : `drillbook ${input.step.id.slice(0, 60)}`;
      let sent = info ? await earlierCommand(client, ssm, info, comment) : undefined;
      if (!sent) {
        const nodes = await inServiceNodes(clients, ssm);
        if (nodes.length === 0)
          throw ApplicationFailure.retryable(
            `Auto Scaling group ${groupOf(ssm)} has no InService instance: the commands ran nowhere, so nothing is known of its nodes`,
            'SsmNoNodes',
          );
        if (nodes.length > MAX_NODES)
          throw ApplicationFailure.nonRetryable(
            `Auto Scaling group ${groupOf(ssm)} has ${nodes.length} InService instances; one SSM command reaches at most ${MAX_NODES}`,
            'SsmTooManyNodes',
          );
        sent = await send(clients, ssm, comment, nodes, waitMs);
      }
      const command = sent;
      const known = new Map<string, NodeRun>();
      const { waitedMs, last } = await pollFor(
        `SSM command ${command.commandId} on ${command.instanceIds.length} nodes of ${groupOf(ssm)}`,
        waitMs,
        () => readRuns(client, ssm, command, known),
        (runs) => runs.every(isDone),
        POLL_EVERY_MS,
        () => ({ ssmCommandId: command.commandId }),
      );
      const verdict = verdictOf(last, ssm.expectOutput);
      const facts = {
        autoScalingGroup: ssm.autoScalingGroup,
        region: ssm.region,
        documentName: ssm.documentName,
        commandId: command.commandId,
        reusedCommand: command.reused,
        waitedMs,
        nodes: last,
      };
      const n = command.instanceIds.length;
      const via = `SSM command ${command.commandId}${command.reused ? ', sent by an earlier attempt' : ''}`;
      if (verdict.ok)
        return {
          summary: `All ${n} InService nodes of ${groupOf(ssm)} ran the commands with success (${via}): ${last.map(line).join(', ')}`,
          facts,
        };
      if (verdict.failed.length)
        // The nodes answered: a retry would read the same command's answers. An operator's retry sends it again.
        throw ApplicationFailure.nonRetryable(
          `${verdict.failed.length} of ${n} nodes of ${groupOf(ssm)} did not succeed (${via}): ${verdict.failed.map((f) => `${f.run.instanceId} ${f.why}`).join('; ')}`,
          'SsmCommandFailed',
          facts,
        );
      throw ApplicationFailure.retryable(
        `${verdict.pending.length} of ${n} nodes of ${groupOf(ssm)} had not finished after ${Math.round(waitedMs / 1000)}s (${via}): ${verdict.pending.map(line).join(', ')}`,
        'SsmCommandUnfinished',
        facts,
      );
    },
  };
}
