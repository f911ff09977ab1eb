/**
 * RabbitMQ, one node per site, through its management HTTP API (FIELD-NOTES 9): node health
 * (alarms, virtual hosts), the platform's queues drained before a planned switch (ready and
 * unacknowledged at or under the plan's threshold, held over a whole statistics interval because
 * the API's counts are sampled), the platform users' connections closed as the fence, and
 * consumers back on the new site's queues after the switch. Amazon MQ and any component with a tls
 * block: the management API over https and the canary over amqps, both verifying the broker's
 * certificate against the plan's CA (./management.ts, ./canary.ts); a broker's reboot through the
 * Amazon MQ API (./broker.ts).
 */
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { pollUntil } from '../kit/activities/polling';
import type { StepDrivers } from '../kit/activities/types';
import { lazyAwsClients, type AwsClients } from '../kit/aws';
import type { RabbitmqAction, RabbitmqArgs } from './actions';
import { rabbitmqRebootBroker } from './broker';
import { rabbitmqCanary } from './canary';
import { managementApi, type Api } from './management';
import { rabbitmqAwaitReturn, rabbitmqQueuesPresent, rabbitmqRedeclare } from './reprotect';

interface QueueCounts {
  name: string;
  ready: number;
  unacked: number;
  consumers: number;
  state?: string;
}

const vhostPath = (args: RabbitmqArgs) => encodeURIComponent(args.vhost);

async function platformQueues(client: Api, args: RabbitmqArgs, planPath: string): Promise<QueueCounts[]> {
  const rows = await client.get<Record<string, unknown>[]>(
    `/api/queues/${vhostPath(args)}?columns=name,messages_ready,messages_unacknowledged,consumers,state`,
  );
  let pattern: RegExp | undefined;
  try {
    pattern = args.queues ? new RegExp(args.queues) : undefined;
  } catch (error) {
    failNonRetryable(
      `${planPath}.queues: "${args.queues}" is not a regular expression (${(error as Error).message})`,
      'PlanInvalid',
    );
  }
  // Counts appear a statistics interval after a queue is declared: missing counts are not zeros.
  return rows
    .filter((q) => !pattern || pattern.test(String(q.name)))
    .map((q) => ({
      name: String(q.name),
      ready: Number(q.messages_ready ?? NaN),
      unacked: Number(q.messages_unacknowledged ?? NaN),
      consumers: Number(q.consumers ?? NaN),
      state: q.state as string | undefined,
    }));
}

// A count the management API has not reported yet (a queue younger than its statistics interval) is unknown, never 0.
const count = (n: number): string => (Number.isFinite(n) ? String(n) : '?');
const describeQueues = (queues: QueueCounts[]) =>
  queues
    .map((q) => `${q.name} ${count(q.ready)} ready/${count(q.unacked)} unacked/${count(q.consumers)} consumer(s)`)
    .join('; ');
const known = (n: number) => Number.isFinite(n);

/** `aws`: the Amazon MQ client for a broker's reboot, made at first use (kinds/activities.ts). */
export function createRabbitmqActivities(deps: { aws?: () => AwsClients } = {}): StepDrivers<RabbitmqAction> {
  const planPath = (args: RabbitmqArgs) => `components.${args.component}`;
  const aws = deps.aws ?? lazyAwsClients();

  return {
    /** The node answers, has no alarm in effect (memory, disk) and its virtual hosts run. */
    async rabbitmqHealth(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const at = args.siteNames[site];
      const client = await managementApi(input, site);
      const alarms = await client.check('/api/health/checks/alarms');
      const vhosts = await client.check('/api/health/checks/virtual-hosts');
      const nodes = await client.get<
        {
          name: string;
          running?: boolean;
          mem_alarm?: boolean;
          disk_free_alarm?: boolean;
          mem_used?: number;
          mem_limit?: number;
        }[]
      >('/api/nodes');
      const vhost = await client
        .get<{ name: string }[]>('/api/vhosts')
        .then((list) => list.some((v) => v.name === args.vhost));
      const facts = {
        site,
        alarms: alarms.body,
        virtualHosts: vhosts.body,
        nodes: nodes.map((n) => ({
          name: n.name,
          running: n.running,
          memAlarm: n.mem_alarm,
          diskFreeAlarm: n.disk_free_alarm,
          memUsed: n.mem_used,
          memLimit: n.mem_limit,
        })),
        vhostExists: vhost,
      };
      if (!alarms.ok) {
        const which = ((alarms.body as { alarms?: { node: string; resource: string }[] }).alarms ?? [])
          .map((a) => `${a.resource} on ${a.node}`)
          .join(', ');
        failRetryable(
          `${args.component} on ${at} has alarms in effect (${which || alarms.reason}): publishers are blocked`,
          'RabbitmqAlarm',
          facts,
        );
      }
      if (!vhosts.ok)
        failRetryable(
          `${args.component} on ${at}: a virtual host is down (${vhosts.reason})`,
          'RabbitmqVhostDown',
          facts,
        );
      if (!vhost)
        failNonRetryable(
          `${planPath(args)}.vhost: "${args.vhost}" does not exist on ${args.component} at ${at}`,
          'PlanInvalid',
        );
      if (nodes.some((n) => n.running === false))
        failRetryable(
          `${args.component} on ${at}: node(s) not running: ${nodes
            .filter((n) => n.running === false)
            .map((n) => n.name)
            .join(', ')}`,
          'RabbitmqNodeDown',
          facts,
        );
      return {
        summary: `${args.component} on ${at}: ${nodes.length} node(s) running, no alarms, virtual host ${args.vhost} up`,
        facts,
      };
    },

    /**
     * Before a planned switch, with the producers stopped: waits until every platform queue on the
     * old site holds at most maxMessages (ready + unacknowledged), in readings a statistics interval
     * apart, so no in-flight message is left behind. Records the counts before and after.
     */
    async rabbitmqDrain(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const at = args.siteNames[site];
      const client = await managementApi(input, site);
      const first = await platformQueues(client, args, planPath(args));
      if (first.length === 0 && args.queues) {
        failNonRetryable(
          `${planPath(args)}.queues: no queue of virtual host ${args.vhost} on ${at} matches /${args.queues}/`,
          'PlanInvalid',
        );
      }
      let last = first;
      // What was in flight when the drain began: the first reading in which every count is known.
      let before = first;
      const allKnown = (queues: QueueCounts[]) => queues.every((q) => known(q.ready) && known(q.unacked));
      let drainedSince: number | undefined;
      const drained = (queues: QueueCounts[]) =>
        queues.every((q) => known(q.ready) && known(q.unacked) && q.ready + q.unacked <= args.maxMessages);
      const wait = await pollUntil(
        `queues on ${at} to drain`,
        args.waitTimeoutMs,
        async () => {
          last = await platformQueues(client, args, planPath(args));
          if (!allKnown(before) && allKnown(last)) before = last;
          if (!drained(last)) {
            drainedSince = undefined;
            return false;
          }
          drainedSince ??= Date.now();
          // The counts are sampled: only a reading a whole interval after the first drained one proves it.
          return Date.now() - drainedSince >= args.statsIntervalMs;
        },
        Math.min(1000, Math.max(250, args.statsIntervalMs / 2)),
      );
      const facts = { site, maxMessages: args.maxMessages, before, after: last, waitedMs: wait.waitedMs };
      if (!wait.reached) {
        const held = last.filter(
          (q) => !(known(q.ready) && known(q.unacked) && q.ready + q.unacked <= args.maxMessages),
        );
        failRetryable(
          `${args.component} on ${at}: ${held.length} queue(s) still hold messages after ${Math.round(args.waitTimeoutMs / 1000)}s (${describeQueues(held)}); switching now would leave them behind`,
          'QueuesNotDrained',
          facts,
        );
      }
      const total = (queues: QueueCounts[]) =>
        queues.reduce((n, q) => n + (known(q.ready) ? q.ready : 0) + (known(q.unacked) ? q.unacked : 0), 0);
      return {
        summary: `${args.component} on ${at}: ${last.length} platform queue(s) drained (${total(before)} message(s) in flight at the start, ${total(last)} now; waited ${Math.round(wait.waitedMs / 100) / 10}s)`,
        facts,
      };
    },

    /** Closes every connection of the platform's users on this site and checks none is left. */
    async rabbitmqFence(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.from;
      const at = args.siteNames[site];
      const client = await managementApi(input, site);
      const users = new Set(args.platformUsers);
      const mine = async () =>
        (await client.get<{ name: string; user: string }[]>('/api/connections?columns=name,user')).filter((c) =>
          users.has(c.user),
        );
      const before = await mine();
      const reason = `drillbook: ${args.component} fenced on ${at} for the switch to ${args.siteNames[args.to]}`;
      const closed: string[] = [];
      for (const user of users) {
        // Per user: the per-user list appears at once, the global list a second or two after a connect.
        const status = await client.del(`/api/connections/username/${encodeURIComponent(user)}`, reason);
        if (status !== 204 && status !== 404)
          failRetryable(
            `${args.component} on ${at}: closing ${user}'s connections answered HTTP ${status}`,
            'RabbitmqUnexpectedAnswer',
          );
      }
      for (const c of before) closed.push(`${c.user} ${c.name}`);
      let left = before;
      const wait = await pollUntil(
        `connections of ${[...users].join(', ')} on ${at} to close`,
        Math.min(args.waitTimeoutMs, 30_000),
        async () => {
          left = await mine();
          return left.length === 0;
        },
      );
      const facts = {
        site,
        users: [...users],
        closed,
        left: left.map((c) => `${c.user} ${c.name}`),
        waitedMs: wait.waitedMs,
      };
      if (!wait.reached)
        failRetryable(
          `${args.component} on ${at}: ${left.length} connection(s) of the platform's users are still open (or reconnected): ${facts.left.join('; ')}`,
          'FenceIncomplete',
          facts,
        );
      return {
        summary: `${args.component} on ${at}: fenced, ${before.length} connection(s) of ${[...users].join(', ')} closed and none open`,
        facts,
      };
    },

    /** After a switch: every platform queue on the new site has its consumers (workers) back. */
    async rabbitmqConsumers(input) {
      const args = input.step.args;
      const site = input.step.site ?? args.to;
      const at = args.siteNames[site];
      const client = await managementApi(input, site);
      let last: QueueCounts[] = [];
      const wait = await pollUntil(`consumers on ${at}`, args.waitTimeoutMs, async () => {
        last = await platformQueues(client, args, planPath(args));
        return last.length > 0 && last.every((q) => known(q.consumers) && q.consumers >= args.minConsumers);
      });
      const facts = { site, minConsumers: args.minConsumers, queues: last, waitedMs: wait.waitedMs };
      if (last.length === 0)
        failRetryable(
          `${args.component} on ${at}: no platform queue${args.queues ? ` matching /${args.queues}/` : ''} exists in ${args.vhost}; the platform has not declared its queues here`,
          'ConsumersMissing',
          facts,
        );
      if (!wait.reached) {
        const short = last.filter((q) => !(q.consumers >= args.minConsumers));
        failRetryable(
          `${args.component} on ${at}: ${short.length} platform queue(s) have fewer than ${args.minConsumers} consumer(s) after ${Math.round(args.waitTimeoutMs / 1000)}s (${describeQueues(short)})`,
          'ConsumersMissing',
          facts,
        );
      }
      return {
        summary: `${args.component} on ${at}: consumers are back on ${last.length} platform queue(s) (${describeQueues(last)})`,
        facts,
      };
    },

    rabbitmqCanary,

    rabbitmqRebootBroker: (input) => rabbitmqRebootBroker(input, aws()),

    rabbitmqAwaitReturn,
    rabbitmqRedeclare,
    rabbitmqQueuesPresent,
  };
}
