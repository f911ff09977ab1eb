/** What a validated plan says about a `efs` component (Amazon EFS replication); kinds/efs/schema.ts validates YAML into it. */
import type { ComponentBase } from '../../domain/drivers';

export interface EfsSite {
  fileSystemId: string;
  region?: string;
}

export interface EfsComponent extends ComponentBase {
  kind: 'efs';
  tier: 'database';
  /** The last sync must be at most this old; the plan's RPO when absent. */
  maxSyncAge?: number;
  waitTimeout: number;
  pollInterval: number;
  primary: EfsSite;
  secondary: EfsSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    efs: EfsComponent;
  }
}
