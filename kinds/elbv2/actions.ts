/** Step arguments of the elbv2* activities: each site's ALB target group and the targets the drill moves. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { Elbv2Site } from './types';
import type { SiteRole } from '../../domain/sites';

export const ELBV2_ACTIONS = ['elbv2Preflight', 'elbv2Health', 'elbv2Register', 'elbv2Deregister'] as const;
export type Elbv2Action = (typeof ELBV2_ACTIONS)[number];

export type Elbv2Args = SwitchArgs & {
  sites: Record<SiteRole, Elbv2Site>;
  waitTimeoutMs: number;
  pollIntervalMs: number;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<Elbv2Action, Elbv2Args> {}
}
