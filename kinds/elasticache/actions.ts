/** Step arguments of the elasticache* activities: the control plane (ElastiCache, CloudWatch) and the data plane (TLS, AUTH). */
import type { SecretRef } from '../../domain/drivers';
import type { SiteRole } from '../../domain/sites';
import type { SwitchArgs } from '../../domain/actions/switch';
import type { ElasticacheMode, ElasticacheSite } from './types';

export const ELASTICACHE_ACTIONS = [
  'elasticachePreflight',
  'elasticacheHealth',
  'elasticacheGuard',
  'elasticacheActivate',
  'elasticacheVerify',
] as const;
export type ElasticacheAction = (typeof ELASTICACHE_ACTIONS)[number];

export type ElasticacheArgs = SwitchArgs & {
  mode: ElasticacheMode;
  globalReplicationGroup?: string;
  nodeGroup: string;
  sites: Record<SiteRole, ElasticacheSite>;
  /** Absent: plain TCP (a group without in-transit encryption). */
  tls?: { ca?: SecretRef };
  username?: string;
  password?: SecretRef;
  catchUpTimeoutMs: number;
  waitTimeoutMs: number;
  pollIntervalMs: number;
  /** elasticacheHealth: the site serves (its side is primary) or stands by. */
  serving?: boolean;
};

/** Registers the kind's actions: domain's ActionArgs holds every kind's. */
declare module '../../domain/actions' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merged into by every kind
  interface ComponentActionArgs extends Record<ElasticacheAction, ElasticacheArgs> {}
}
