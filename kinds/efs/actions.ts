/**
 * Step arguments of the efs* activities: the replicated file systems of each site, how fresh the
 * last sync must be, and for the way back whether a step waits for a sync.
 */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { EfsSite } from './types';
import type { SiteRole } from '../../domain/sites';

export const EFS_ACTIONS = [
  'efsPreflight',
  'efsHealth',
  'efsGuard',
  'efsFailover',
  'efsReplicate',
  'efsInSync',
] as const;
export type EfsAction = (typeof EFS_ACTIONS)[number];

export type EfsArgs = SwitchArgs & {
  sites: Record<SiteRole, EfsSite>;
  maxSyncAgeMs?: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  serving?: boolean;
  /** efsReplicate: wait until the new replication completed a sync (else only create it). */
  waitForSync?: boolean;
  /** efsFailover failing back: before the replication is deleted, a sync must end after this step began (the writers stopped before it). */
  syncAfterStop?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<EfsAction, EfsArgs> {}
}
