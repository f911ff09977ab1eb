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
import type { RabbitmqComponent } from './types';

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

export function rabbitmqArgs(component: RabbitmqComponent, context: OperationContext): RabbitmqArgs {
  return {
    ...switchArgs(context),
    sites: { primary: { url: component.primary.url }, secondary: { url: component.secondary.url } },
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
        return processStep('reboot', `Reboot ${name}'s host on ${at}`, component[site].reboot, site);
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
        ];
      default:
        return [];
    }
  },
};
