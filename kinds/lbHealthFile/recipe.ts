/**
 * `kind: lbHealthFile`: a site leaves rotation when its health-check file is moved aside and the
 * load balancer (HAProxy checks, or an ALB target group) sees its nodes unhealthy; it returns when
 * the file is back and the load balancer sees them healthy. Both happen around the site's
 * services: out before they stop, back once they run. When a lost site returns (reprotect) its file
 * is moved aside and stays so until the failback puts it back.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { HealthFileArgs } from './actions';
import type { LbHealthFileComponent } from './types';

function args(component: LbHealthFileComponent, context: OperationContext): HealthFileArgs {
  return {
    ...switchArgs(context),
    judgedBy: component.judgedBy,
    haproxy: component.haproxy,
    sites: { primary: component.primary, secondary: component.secondary },
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

export const lbHealthFileRecipe: Recipe<LbHealthFileComponent> = {
  tier: () => 'traffic',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    const file = component[context.site].path;
    const lb = component.judgedBy === 'haproxy' ? `HAProxy's checks` : "the ALB's health checks";
    const wait = waitingTimeout(component.waitTimeout);
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${context.name}: the health file is in place on ${at} and ${lb} know each site's nodes`,
            action: 'healthFilePreflight',
            args: a,
          },
        ];
      case 'health':
        return [
          {
            key: 'healthy',
            title: `Check ${at}'s health file ${file} is in place and ${lb} see its nodes healthy`,
            action: 'healthFileCheck',
            args: a,
            timeoutMs: wait,
          },
        ];
      case 'drain':
        return [
          {
            key: 'out',
            title: `Take ${at} out of rotation: move ${file} aside and wait until ${lb} see its nodes unhealthy`,
            action: 'healthFileRemove',
            args: a,
            destructive: true,
            timeoutMs: wait,
          },
        ];
      case 'rejoin':
        return [
          {
            key: 'in',
            title: `Put ${at} back in rotation: restore ${file} and wait until ${lb} see its nodes healthy`,
            action: 'healthFileRestore',
            args: a,
            destructive: true,
            timeoutMs: wait,
          },
        ];
      case 'reprotect':
        return [
          {
            key: 'aside',
            title: `Keep ${at} out of rotation until failback: move ${file} aside (its nodes are back) and wait until ${lb} see them out`,
            action: 'healthFileRemove',
            args: a,
            destructive: true,
            timeoutMs: wait,
          },
        ];
      case 'reprotected':
        return [
          {
            key: 'aside',
            title: `Check ${at}'s health file ${file} is still moved aside and ${lb} keep its nodes out`,
            action: 'healthFileOutCheck',
            args: a,
          },
        ];
      default:
        return [];
    }
  },
};
