/** Step arguments of the elbv2* activities: each site's ALB target group and the targets the drill moves. */
import type { SwitchArgs } from './datastores';
import type { Elbv2Site } from '../plan';
import type { SiteRole } from '../sites';

export const ELBV2_ACTIONS = ['elbv2Preflight', 'elbv2Health', 'elbv2Register', 'elbv2Deregister'] as const;
export type Elbv2Action = (typeof ELBV2_ACTIONS)[number];

export type Elbv2Args = SwitchArgs & { sites: Record<SiteRole, Elbv2Site>; waitTimeoutMs: number; pollIntervalMs: number };
