/**
 * Step arguments of the rds* activities: Multi-AZ failover, read-replica promotion and its failback
 * (keep the old instance aside, re-create it as a replica, wait until it caught up), Aurora cluster
 * failover, global switchover and outage failover, and a Multi-AZ failover inside one site.
 */
import type { SwitchArgs } from '../../domain/actions/switch';
import type { RdsMode, RdsSite } from './types';
import type { SiteRole } from '../../domain/sites';

export const RDS_ACTIONS = [
  'rdsPreflight',
  'rdsHealth',
  'rdsGuard',
  'rdsActivate',
  'rdsRetire',
  'rdsCreateReplica',
  'rdsReplicaCaughtUp',
  'rdsInSiteFailover',
] as const;
export type RdsAction = (typeof RDS_ACTIONS)[number];

export type RdsArgs = SwitchArgs & {
  mode: RdsMode;
  instance?: string;
  cluster?: string;
  globalCluster?: string;
  region?: string;
  sites: Record<SiteRole, RdsSite>;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  /** rdsHealth: the site serves (writes there) or stands by. */
  serving?: boolean;
  /** rdsCreateReplica: wait until the new replica is available and within the RPO (else only ask RDS for it). */
  waitCaughtUp?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<RdsAction, RdsArgs> {}
}
