/** Step arguments of the asg* activities: each site's Auto Scaling group and the capacity that serves. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { AutoscalingSite } from './types';
import type { SiteRole } from '../../domain/sites';

export const ASG_ACTIONS = ['asgPreflight', 'asgHealth', 'asgScaleDown', 'asgScaleUp'] as const;
export type AsgAction = (typeof ASG_ACTIONS)[number];

export type AsgArgs = SwitchArgs & {
  sites: Record<SiteRole, AutoscalingSite>;
  capacity?: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<AsgAction, AsgArgs> {}
}
