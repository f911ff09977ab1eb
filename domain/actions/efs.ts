/** Step arguments of the efs* activities: the replicated file systems of each site and how fresh the last sync must be. */
import type { SwitchArgs } from './datastores';
import type { EfsSite } from '../plan';
import type { SiteRole } from '../sites';

export const EFS_ACTIONS = ['efsPreflight', 'efsHealth', 'efsGuard', 'efsFailover'] as const;
export type EfsAction = (typeof EFS_ACTIONS)[number];

export type EfsArgs = SwitchArgs & { sites: Record<SiteRole, EfsSite>; maxSyncAgeMs?: number; waitTimeoutMs: number; pollIntervalMs: number; serving?: boolean };
