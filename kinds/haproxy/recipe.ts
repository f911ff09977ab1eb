/**
 * `kind: haproxy`: the traffic switch of sites behind HAProxy. Before a site's services stop its
 * servers are drained (sessions end) and taken out; the switch readies the new site's servers and
 * keeps the old one out; once the new site's services run, the drill waits until the backend's
 * checks see its servers UP. Health: the serving site's servers UP, the other's drained or down.
 * When a lost site returns (reprotect), its servers are put in maintenance and kept there until the
 * failback readies them: its nodes may come back with their health file in place.
 */
import type { OperationContext, Recipe, StepDraft } from '../kit/recipe/recipe';
import { siteName, switchArgs, waitingTimeout } from '../kit/recipe/siteSteps';
import type { HaproxyArgs } from './actions';
import type { HaproxyComponent } from './types';

function args(component: HaproxyComponent, context: OperationContext): HaproxyArgs {
  return {
    ...switchArgs(context),
    socket: component.socket,
    backend: component.backend,
    servers: { primary: component.primary.servers, secondary: component.secondary.servers },
    takeOut: component.takeOut,
    drainTimeoutMs: component.drainTimeout,
    waitTimeoutMs: component.waitTimeout,
    pollIntervalMs: component.pollInterval,
  };
}

export const haproxyRecipe: Recipe<HaproxyComponent> = {
  tier: () => 'traffic',

  steps(operation, component, context): StepDraft[] {
    const a = args(component, context);
    const at = siteName(context, context.site);
    const be = `HAProxy backend ${component.backend}`;
    const servers = component[context.site].servers.join(', ');
    switch (operation) {
      case 'preflight':
        return [
          {
            key: 'preflight',
            title: `Check ${be}: the runtime API answers at admin level and knows the servers of both sites`,
            action: 'haproxyPreflight',
            args: a,
          },
        ];
      case 'health':
        return [
          {
            key: 'serving',
            title: `Check ${be} sends traffic to ${at} only: ${servers} UP, the other site's servers drained, in maintenance or down`,
            action: 'haproxyHealth',
            args: a,
            timeoutMs: waitingTimeout(component.waitTimeout),
          },
        ];
      case 'drain':
        return [
          {
            key: 'drain',
            title: `Take ${at} out of ${be}: drain ${servers} until their sessions end${component.takeOut === 'maint' ? ', then set them to maintenance' : ''}`,
            action: 'haproxyDrain',
            args: a,
            destructive: true,
            timeoutMs: waitingTimeout(component.drainTimeout),
          },
        ];
      case 'activate':
        return [
          {
            key: 'switch',
            title: `Switch ${be} to ${at}: ${servers} ready, ${siteName(context, context.from)}'s servers kept out`,
            action: 'haproxySwitch',
            args: a,
            destructive: true,
          },
        ];
      case 'rejoin':
        return [
          {
            key: 'ready',
            title: `Put ${servers} (${at}) back in ${be} and wait until its checks see them UP`,
            action: 'haproxyReady',
            args: a,
            destructive: true,
            timeoutMs: waitingTimeout(component.waitTimeout),
          },
        ];
      case 'fence':
        return [
          {
            key: 'fence',
            title: `Keep ${at} out of ${be} until failback: ${servers} in maintenance, whatever their checks say when its nodes return`,
            action: 'haproxyFence',
            args: a,
            destructive: true,
          },
        ];
      case 'reprotected': {
        const serving = context.to;
        return [
          {
            key: 'out',
            title: `Check ${be} sends traffic to ${siteName(context, serving)} only: ${at}'s servers ${servers} stay out of rotation`,
            action: 'haproxyHealth',
            args: a,
            site: serving,
            timeoutMs: waitingTimeout(component.waitTimeout),
          },
        ];
      }
      default:
        return [];
    }
  },
};
