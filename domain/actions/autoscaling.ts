/** Step arguments of the asg* activities: each site's Auto Scaling group and the capacity that serves. */
import type { SwitchArgs } from './datastores';
import type { AutoscalingSite } from '../plan';
import type { SiteRole } from '../sites';

export const ASG_ACTIONS = ['asgPreflight', 'asgHealth', 'asgScaleDown', 'asgScaleUp'] as const;
export type AsgAction = (typeof ASG_ACTIONS)[number];

export type AsgArgs = SwitchArgs & { sites: Record<SiteRole, AutoscalingSite>; capacity?: number; waitTimeoutMs: number; pollIntervalMs: number };
