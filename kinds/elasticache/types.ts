/** What a validated plan says about an `elasticache` component (Amazon ElastiCache for Redis OSS/Valkey); kinds/elasticache/schema.ts validates YAML into it. */
import type { ComponentBase, SecretRef } from '../../domain/drivers';

/** `multi-az`: a failover inside one replication group (TestFailover); `global-datastore`: between regions. */
export const ELASTICACHE_MODES = ['multi-az', 'global-datastore'] as const;
export type ElasticacheMode = (typeof ELASTICACHE_MODES)[number];

export interface ElasticacheSite {
  /** The site's region (the worker's when absent). */
  region?: string;
  /** The replication group serving this site: one group for both sites in multi-az, one per region in global-datastore. */
  replicationGroup: string;
  /** multi-az: the node (cache cluster id, `opencti-cache-001`) that is primary while this site serves. */
  member?: string;
  /** The data-plane endpoint the drill's canary uses on this site. */
  host: string;
  port: number;
}

export interface ElasticacheComponent extends ComponentBase {
  kind: 'elasticache';
  tier: 'database';
  mode: ElasticacheMode;
  /** global-datastore: the Global Datastore's full name (with its AWS prefix, `ldgnf-opencti-cache`). */
  globalReplicationGroup?: string;
  /** multi-az: the node group (shard) TestFailover acts on. */
  nodeGroup: string;
  /** In-transit encryption (ElastiCache's default); `ca` names the PEM to trust instead of Node's own roots. */
  tls: false | { ca?: SecretRef };
  /** The AUTH token (or an RBAC user's password), always a reference. */
  authToken?: SecretRef;
  /** An RBAC user; the default user when absent. */
  username?: string;
  /** Longest wait for the canary written on the serving side to be read on the other. */
  catchUpTimeout: number;
  waitTimeout: number;
  pollInterval: number;
  primary: ElasticacheSite;
  secondary: ElasticacheSite;
}

/** Registers the kind: domain's Component union is the union of every kind's registered types. */
declare module '../../domain/components' {
  interface ComponentKinds {
    elasticache: ElasticacheComponent;
  }
}
