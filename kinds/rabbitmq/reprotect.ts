/**
 * Reprotect of a RabbitMQ site that was lost and came back: wait until its management API answers,
 * then re-declare on it the serving site's platform queues (with the exchanges and bindings that lead
 * to them) from the serving site's own definitions, and check they are all there. Messages are not
 * carried: a queue is transient work, and what the old node still holds from before the loss is
 * never consumed while the platform there is held at 0 (the kubernetes component's fence).
 */
import { failNonRetryable, failRetryable } from '../kit/activities/failures';
import { awaitReturn } from '../kit/activities/awaitReturn';
import type { StepDriver } from '../kit/activities/types';
import { otherSite } from '../../domain';
import type { RabbitmqArgs } from './actions';
import { managementApi } from './management';

interface QueueDefinition {
  name: string;
  vhost?: string;
  durable: boolean;
  auto_delete: boolean;
  arguments: Record<string, unknown>;
}
interface ExchangeDefinition {
  name: string;
  vhost?: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
}
interface BindingDefinition {
  source: string;
  vhost?: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Record<string, unknown>;
}
interface Definitions {
  queues?: QueueDefinition[];
  exchanges?: ExchangeDefinition[];
  bindings?: BindingDefinition[];
}

const vhostPath = (args: RabbitmqArgs) => encodeURIComponent(args.vhost);

function pattern(args: RabbitmqArgs): RegExp | undefined {
  try {
    return args.queues ? new RegExp(args.queues) : undefined;
  } catch (error) {
    failNonRetryable(
      `components.${args.component}.queues: "${args.queues}" is not a regular expression (${(error as Error).message})`,
      'PlanInvalid',
    );
  }
}

/**
 * What the old site must hold: the serving site's platform queues, the non-default exchanges bound
 * to them and those bindings. Built-in exchanges (`amq.*`, the default "") exist on every node.
 */
export function platformDefinitions(all: Definitions, args: RabbitmqArgs): Required<Definitions> {
  const only = pattern(args);
  // A vhost's own export (`/api/definitions/<vhost>`) leaves the vhost out of every item.
  const here = (item: { vhost?: string }) => item.vhost === undefined || item.vhost === args.vhost;
  const queues = (all.queues ?? []).filter((q) => here(q) && (!only || only.test(q.name)));
  const names = new Set(queues.map((q) => q.name));
  const bindings = (all.bindings ?? []).filter(
    (b) => here(b) && b.destination_type === 'queue' && names.has(b.destination),
  );
  const sources = new Set(bindings.map((b) => b.source));
  const exchanges = (all.exchanges ?? []).filter(
    (e) => here(e) && sources.has(e.name) && e.name !== '' && !e.name.startsWith('amq.'),
  );
  return { queues, exchanges, bindings };
}

/** Waits until the returned site's management API answers again (bounded by the step's timeout). */
export const rabbitmqAwaitReturn: StepDriver<'rabbitmqAwaitReturn'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const at = `${args.component} on ${args.siteNames[site]} (${args.sites[site].url})`;
  const back = await awaitReturn(input, at, async () => {
    const client = await managementApi(input, site);
    const overview = await client.get<{ rabbitmq_version?: string; node?: string }>('/api/overview');
    return { back: true, detail: `node ${overview.node}, RabbitMQ ${overview.rabbitmq_version}`, facts: { overview } };
  });
  return {
    summary: `${at} answers again after ${Math.round(back.waitedMs / 1000)}s: ${back.detail}`,
    facts: { site, waitedMs: back.waitedMs },
  };
};

/** Re-declares the serving site's platform queues (exchanges, bindings) on the returned site, from the serving site's definitions. */
export const rabbitmqRedeclare: StepDriver<'rabbitmqRedeclare'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const serving = otherSite(site);
  const [at, servingName] = [args.siteNames[site], args.siteNames[serving]];
  const source = await managementApi(input, serving);
  const wanted = platformDefinitions(await source.get<Definitions>(`/api/definitions/${vhostPath(args)}`), args);
  if (wanted.queues.length === 0)
    failRetryable(
      `${args.component} on ${servingName}: no platform queue${args.queues ? ` matching /${args.queues}/` : ''} in ${args.vhost} to re-declare on ${at}`,
      'QueuesMissing',
    );
  const target = await managementApi(input, site);
  // A vhost's definitions import declares what is missing and leaves what exists alone (same arguments).
  const body = {
    queues: wanted.queues.map(({ vhost: _v, ...q }) => q),
    exchanges: wanted.exchanges.map(({ vhost: _v, ...e }) => e),
    bindings: wanted.bindings.map(({ vhost: _v, ...b }) => b),
  };
  const { status, body: answer } = await target.post<unknown>(`/api/definitions/${vhostPath(args)}`, body);
  const facts = {
    site,
    from: servingName,
    queues: wanted.queues.map((q) => q.name),
    exchanges: wanted.exchanges.map((e) => e.name),
    bindings: wanted.bindings.length,
    status,
  };
  if (status < 200 || status >= 300)
    failRetryable(
      `${args.component} on ${at}: importing ${servingName}'s queue definitions answered HTTP ${status}: ${JSON.stringify(answer).slice(0, 200)}`,
      'RabbitmqUnexpectedAnswer',
      facts,
    );
  return {
    summary: `${args.component} on ${at}: re-declared ${wanted.queues.length} platform queue(s), ${wanted.exchanges.length} exchange(s) and ${wanted.bindings.length} binding(s) from ${servingName}'s definitions`,
    facts,
  };
};

/** Every platform queue the serving site has exists on the returned site too. */
export const rabbitmqQueuesPresent: StepDriver<'rabbitmqQueuesPresent'> = async (input) => {
  const args = input.step.args;
  const site = input.step.site ?? args.from;
  const serving = otherSite(site);
  const [at, servingName] = [args.siteNames[site], args.siteNames[serving]];
  const wanted = platformDefinitions(
    await (await managementApi(input, serving)).get<Definitions>(`/api/definitions/${vhostPath(args)}`),
    args,
  );
  const have = new Set(
    (
      await (await managementApi(input, site)).get<{ name: string }[]>(`/api/queues/${vhostPath(args)}?columns=name`)
    ).map((q) => q.name),
  );
  const missing = wanted.queues.map((q) => q.name).filter((name) => !have.has(name));
  const facts = { site, serving: servingName, queues: wanted.queues.map((q) => q.name), missing };
  if (wanted.queues.length === 0)
    failRetryable(`${args.component} on ${servingName}: no platform queue to compare with`, 'QueuesMissing', facts);
  if (missing.length)
    failRetryable(
      `${args.component} on ${at}: ${missing.length} of ${servingName}'s platform queue(s) missing: ${missing.join(', ')}`,
      'QueuesMissing',
      facts,
    );
  return {
    summary: `${args.component} on ${at}: all ${wanted.queues.length} of ${servingName}'s platform queue(s) present`,
    facts,
  };
};
