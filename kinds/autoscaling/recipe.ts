/**
 * `kind: autoscaling`: web nodes in an Auto Scaling group per site. Stopping a site scales its group
 * down to its standby capacity (the capacity it had is kept in a tag on the group); starting one
 * scales it to the serving capacity and waits until that many instances are InService.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { AsgArgs } from './actions';
import type { AutoscalingComponent } from './types';

function args(component: AutoscalingComponent, context: OperationContext): AsgArgs {
  return {
    ...switchArgs(context),
    sites: { primary: component.primary, secondary: component.secondary },
    capacity: component.capacity,
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

export const autoscalingRecipe: Recipe<AutoscalingComponent> = {
  tier: (component) => component.tier,

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    const group = component[context.site].group;
    const capacity = component.capacity === undefined ? 'the capacity the other site ran' : `${component.capacity}`;
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check Auto Scaling groups ${component.primary.group} and ${component.secondary.group} exist and can hold the serving capacity`,
            action: 'asgPreflight',
            args: a,
          },
        ];
      case 'health':
        return [
          {
            key: 'in-service',
            title: `Check Auto Scaling group ${group} (${at}) runs its desired capacity, every instance InService and Healthy`,
            action: 'asgHealth',
            args: a,
            timeoutMs: waitingTimeout(component.waitTimeout),
          },
        ];
      case 'stop':
        return [
          {
            key: 'scale-down',
            title: `Scale Auto Scaling group ${group} (${at}) down to ${component[context.site].standbyCapacity}, keeping its capacity in a tag`,
            action: 'asgScaleDown',
            args: a,
            destructive: true,
          },
        ];
      case 'start':
        return [
          {
            key: 'scale-up',
            title: `Scale Auto Scaling group ${group} (${at}) to ${capacity} and wait until that many instances are InService`,
            action: 'asgScaleUp',
            args: a,
            destructive: true,
            timeoutMs: waitingTimeout(component.waitTimeout),
          },
        ];
      default:
        return [];
    }
  },
};
