/** Step arguments of the rds* activities: Multi-AZ failover, read-replica promotion, Aurora cluster failover and global switchover. */
import type { SwitchArgs } from './datastores';
import type { RdsMode, RdsSite } from '../plan';
import type { SiteRole } from '../sites';

export const RDS_ACTIONS = ['rdsPreflight', 'rdsHealth', 'rdsGuard', 'rdsActivate'] as const;
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
};
