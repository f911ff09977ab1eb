/**
 * `kind: rabbitmq`: one RabbitMQ per site. Before a planned switch the platform's queues on the old
 * site drain (the producers stopped first, where the plan names them), so no in-flight message
 * stays behind; the fence closes the platform users' connections there; after the switch the new
 * site's queues must have their consumers back.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { processStep, siteName, SWITCH_PHASES, switchArgs } from '../kit/recipe/siteSteps';
import { kubernetesArgs, kubernetesStepTimeout } from '../kubernetes/recipe';
import type { RabbitmqArgs } from './actions';
import type { RabbitmqComponent, RabbitmqSite } from './types';
import type { SiteRole } from '../../domain';

/** Over the broker's AMQP endpoint, where the plan names one: a message published and read back through the management API. */
function canary(component: RabbitmqComponent, context: OperationContext, a: RabbitmqArgs, why: string): StepDraft[] {
  const site = context.site;
  const amqp = component[site].amqp;
  if (!amqp) return [];
  return [
    {
      key: 'canary',
      title: `Publish a canary message to ${context.name} on ${siteName(context, site)} over ${new URL(amqp).protocol.replace(':', '')} and read it back through the management API (${why})`,
      action: 'rabbitmqCanary',
      args: a,
    },
  ];
}

/** Amazon MQ: RebootBroker on the site's broker, watched leaving RUNNING and coming back; self-hosted: the plan's reboot driver. */
function reboot(component: RabbitmqComponent, context: OperationContext, a: RabbitmqArgs): StepDraft[] {
  const { name, site } = context;
  const broker = component[site].broker;
  if (!broker)
    return processStep('reboot', `Reboot ${name}'s host on ${siteName(context, site)}`, component[site].reboot, site);
  return [
    {
      key: 'reboot-broker',
      title: `Reboot ${name}'s Amazon MQ broker ${broker.id} (${broker.region}) on ${siteName(context, site)}: RebootBroker, then wait until it left RUNNING and is RUNNING again`,
      action: 'rabbitmqRebootBroker',
      args: { ...a, rebootTimeoutMs: component.rebootTimeout },
      destructive: true,
      timeoutMs: component.rebootTimeout + 60_000,
      // Rebooting is not idempotent: a second attempt would reboot a broker that just came back.
      retry: { maximumAttempts: 1 },
    },
  ];
}

/** The plan's producers (connectors), scaled to 0 on the old site so nothing new arrives while the queues drain. */
function stopProducers(component: RabbitmqComponent, context: OperationContext): StepDraft[] {
  const ref = component.producers;
  const owner = ref && context.plan.components[ref.kubernetes];
  if (!ref || owner?.kind !== 'kubernetes') return [];
  const workloads = owner.workloads.filter((w) => ref.workloads.includes(w.name));
  return [
    {
      key: 'stop-producers',
      title: `Stop ${context.name}'s producers on ${siteName(context, context.from)} (${ref.workloads.join(', ')} of ${ref.kubernetes}), remembering their replica counts`,
      action: 'kubernetesStop',
      site: context.from,
      args: kubernetesArgs(owner, { ...context, name: ref.kubernetes }, workloads),
      destructive: true,
      timeoutMs: kubernetesStepTimeout(owner, workloads.length),
    },
  ];
}

/** A site as the activities reach it; a plan without amqp, broker or tls compiles to the same arguments as before them. */
function siteArgs(site: RabbitmqSite): RabbitmqArgs['sites'][SiteRole] {
  return { url: site.url, ...(site.amqp ? { amqp: site.amqp } : {}), ...(site.broker ? { broker: site.broker } : {}) };
}

export function rabbitmqArgs(component: RabbitmqComponent, context: OperationContext): RabbitmqArgs {
  return {
    ...switchArgs(context),
    sites: { primary: siteArgs(component.primary), secondary: siteArgs(component.secondary) },
    ...(component.tls ? { tls: component.tls } : {}),
    username: component.username,
    password: component.password,
    vhost: component.vhost,
    queues: component.queues,
    maxMessages: component.maxMessages,
    waitTimeoutMs: component.waitTimeout,
    statsIntervalMs: component.statsInterval,
    platformUsers: component.platformUsers,
    minConsumers: component.minConsumers,
  };
}

export const rabbitmqRecipe: Recipe<RabbitmqComponent> = {
  tier: () => 'database',

  steps(operation, component, context): StepDraft[] {
    const { name, site, from, to, planned } = context;
    const a = rabbitmqArgs(component, context);
    const at = siteName(context, site);
    const waitTimeout = component.waitTimeout + 60_000;
    switch (operation) {
      case 'health':
        return [
          {
            key: 'health',
            title: `Check ${name} on ${at}: node running, no alarms, virtual host ${component.vhost} up`,
            action: 'rabbitmqHealth',
            args: a,
          },
          // After its broker rebooted: the AMQP listener takes and delivers messages again, not only the API.
          ...(context.phase === 'pre-reboot' && component[site].broker
            ? canary(component, context, a, 'after the reboot')
            : []),
        ];
      case 'preflight':
        return [
          {
            key: 'standby',
            title: `Check ${name} on ${siteName(context, to)} (the standby site) is healthy too`,
            action: 'rabbitmqHealth',
            site: to,
            args: a,
          },
        ];
      case 'guard':
        // In an outage the old site's queues are out of reach: what they held is counted as lost, not waited for.
        if (!planned) return [];
        return [
          ...stopProducers(component, context),
          {
            key: 'drain',
            title: `Wait until ${name}'s platform queues on ${siteName(context, from)} are drained (at most ${component.maxMessages} message(s) ready or unacknowledged)`,
            action: 'rabbitmqDrain',
            site: from,
            args: a,
            timeoutMs: waitTimeout,
          },
        ];
      case 'stop': {
        const fence: StepDraft[] = SWITCH_PHASES.has(context.phase)
          ? [
              {
                key: 'fence',
                title: `Fence ${name} on ${at}: close the connections of ${component.platformUsers.join(', ')}`,
                action: 'rabbitmqFence',
                args: a,
                destructive: true,
                timeoutMs: waitTimeout,
              },
            ]
          : [];
        return [...fence, ...processStep('stop', `Stop ${name} on ${at}`, component[site].stop, site)];
      }
      case 'reboot':
        return reboot(component, context, a);
      case 'start':
        return processStep('start', `Start ${name} on ${at}`, component[site].start, site);
      case 'verify':
        return [
          {
            key: 'consumers',
            title: `Verify ${name}'s platform queues on ${at} have their consumers back (at least ${component.minConsumers} each)`,
            action: 'rabbitmqConsumers',
            args: a,
            timeoutMs: waitTimeout,
          },
          ...canary(component, context, a, 'the new site takes and delivers messages'),
        ];
      // Reprotect (site = the returned old site). The platform writes only where the serving site's
      // platform points, and the returned site's platform is held at 0 (the kubernetes fence).
      case 'await-return':
        return [
          {
            key: 'await-return',
            title: `Wait until ${name}'s management API on ${at} answers again (however long the step's timeout allows)`,
            action: 'rabbitmqAwaitReturn',
            args: a,
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Fence ${name} on ${at}: close the connections of ${component.platformUsers.join(', ')} (its platform is held at 0, so none should come back)`,
            action: 'rabbitmqFence',
            args: a,
            destructive: true,
            timeoutMs: waitTimeout,
          },
        ];
      case 'reprotect':
        return [
          {
            key: 'redeclare',
            title: `Re-declare ${name}'s platform queues on ${at} from ${siteName(context, to)}'s definitions (queues, their exchanges and bindings)`,
            action: 'rabbitmqRedeclare',
            args: a,
            destructive: true,
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'queues-present',
            title: `Check every platform queue of ${siteName(context, to)} exists on ${at}`,
            action: 'rabbitmqQueuesPresent',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
