/** What a validated plan says about a `rds` component (Amazon RDS and Aurora); kinds/rds/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

export const RDS_MODES = ['multi-az', 'read-replica', 'aurora-cluster', 'aurora-global'] as const;
export type RdsMode = (typeof RDS_MODES)[number];

export interface RdsSite {
  region?: string;
  /** multi-az: the Availability Zone the writer runs in while this site serves. */
  availabilityZone?: string;
  /** read-replica: this site's DB instance; aurora-cluster: the member that writes while this site serves. */
  instance?: string;
  /** aurora-global: this site's regional cluster (identifier or ARN). */
  cluster?: string;
  /**
   * read-replica: this site's instance is Multi-AZ, and the drill fails it over inside the site
   * (reboot with failover) while it reboots the site: pre-reboot on the primary.
   */
  multiAz?: boolean;
}

export interface RdsComponent extends ComponentBase {
  kind: 'rds';
  tier: 'database';
  mode: RdsMode;
  /** multi-az: the DB instance. */
  instance?: string;
  /** aurora-cluster: the DB cluster. */
  cluster?: string;
  /** aurora-global: the global cluster. */
  globalCluster?: string;
  /** Region of a single-region mode (multi-az, aurora-cluster) when not the worker's. */
  region?: string;
  waitTimeout: number;
  pollInterval: number;
  primary: RdsSite;
  secondary: RdsSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    rds: RdsComponent;
  }
}
