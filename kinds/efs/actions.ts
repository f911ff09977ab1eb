/** Step arguments of the efs* activities: the replicated file systems of each site and how fresh the last sync must be. */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { EfsSite } from './types';
import type { SiteRole } from '../../domain/sites';

export const EFS_ACTIONS = ['efsPreflight', 'efsHealth', 'efsGuard', 'efsFailover'] as const;
export type EfsAction = (typeof EFS_ACTIONS)[number];

export type EfsArgs = SwitchArgs & {
  sites: Record<SiteRole, EfsSite>;
  maxSyncAgeMs?: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  serving?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<EfsAction, EfsArgs> {}
}
